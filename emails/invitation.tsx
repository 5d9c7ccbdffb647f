import { Button, Text } from "@react-email/components";
import { buttonStyle, EmailLayout, textStyle } from "./layout";

export function InvitationEmail(props: { url: string; workspaceName: string; inviterName: string; role: string; expiresAt: Date }) {
  return (
    <EmailLayout preview={`${props.inviterName} invited you to ${props.workspaceName} on Jace`}>
      <Text style={textStyle}>
        {props.inviterName} invited you to join the workspace <strong>{props.workspaceName}</strong> on Jace as {article(props.role)}{" "}
        <strong>{props.role}</strong>.
      </Text>
      <Button href={props.url} style={buttonStyle}>
        Accept invitation
      </Button>
      <Text style={{ ...textStyle, fontSize: 13, color: "#6b7280" }}>
        This invitation expires on {props.expiresAt.toUTCString()}. Sign in with this email address to accept it. Link: {props.url}
      </Text>
    </EmailLayout>
  );
}

function article(word: string): string {
  return /^[aeiou]/i.test(word) ? "an" : "a";
}
