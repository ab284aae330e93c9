import { spawn } from "node:child_process";

// Opens a URL in the person's browser with the platform's opener. Best effort: the caller always
// prints the URL too, and says so when no browser could be started.

const opener = (platform: string, url: string): [string, string[]] => {
  if (platform === "darwin") return ["open", [url]];
  // `start` treats its first quoted argument as a window title, hence the empty "".
  if (platform === "win32") return ["cmd", ["/c", "start", "", url]];
  return ["xdg-open", [url]];
};

/** True when the opener started and did not report failure within a few seconds. */
export function openUrl(url: string, platform: string): Promise<boolean> {
  const [command, args] = opener(platform, url);
  return new Promise((resolve) => {
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(command, args, { stdio: "ignore", detached: true });
    } catch {
      resolve(false);
      return;
    }
    // Some openers stay attached to the browser they start: past this, assume it worked.
    const timer = setTimeout(() => {
      child.unref();
      resolve(true);
    }, 3000);
    child.once("error", () => {
      clearTimeout(timer);
      resolve(false);
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve(code === 0);
    });
  });
}
