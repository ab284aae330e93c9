// The mail port: auth sends sign-in codes and notifications send notices through it; the
// composition root hands them the SMTP implementation (src/notifications/mailer.ts).

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  send(message: MailMessage): Promise<void>;
  close(): void;
}
