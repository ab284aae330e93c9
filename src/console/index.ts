export { registerConsoleRoutes, parseCliPort } from "./routes";
