import { render } from "@react-email/render";
import { createTransport, type Transporter } from "nodemailer";
import type { ReactElement } from "react";
import { getDb } from "@/server/db";
import { getEnv } from "@/server/env";
import { AppError } from "@/server/errors";
import { logger } from "@/server/logger";

/** The one module that sends mail: SMTP when SMTP_URL is set, else the dev mailbox (/dev/mailbox). */

export type OutgoingEmail = { to: string; subject: string; react: ReactElement; kind: string };

let transport: Transporter | undefined;

export async function sendEmail(mail: OutgoingEmail): Promise<void> {
  const env = getEnv();
  const html = await render(mail.react);
  const text = await render(mail.react, { plainText: true });
  const log = logger.child({ kind: mail.kind });

  if (env.SMTP_URL) {
    transport ??= createTransport(env.SMTP_URL);
    await transport.sendMail({ from: env.EMAIL_FROM, to: mail.to, subject: mail.subject, html, text });
    log.info({ to: mail.to }, "email sent");
    return;
  }
  if (env.devMailbox) {
    await getDb().devMail.create({ data: { to: mail.to.toLowerCase(), subject: mail.subject, html, text } });
    log.info({ to: mail.to, subject: mail.subject }, `email kept in the dev mailbox: ${env.appUrl}/dev/mailbox`);
    return;
  }
  throw new AppError("INTERNAL", "Email delivery is not configured. Set SMTP_URL (see README, Configuration).");
}
