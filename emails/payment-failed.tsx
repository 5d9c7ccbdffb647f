import { Button, Text } from "@react-email/components";
import { buttonStyle, EmailLayout, textStyle } from "./layout";

export function PaymentFailedEmail(props: { workspaceName: string; planName: string; graceEndsOn: string; url: string }) {
  return (
    <EmailLayout preview={`Payment for ${props.workspaceName} failed: update it by ${props.graceEndsOn}`}>
      <Text style={textStyle}>
        We could not charge the payment method of <strong>{props.workspaceName}</strong> for its {props.planName} plan.
      </Text>
      <Text style={textStyle}>
        Everything keeps working until <strong>{props.graceEndsOn}</strong>. After that the workspace becomes read-only (no new tasks,
        runners, members or projects) until the invoice is paid. Your data is kept either way.
      </Text>
      <Button href={props.url} style={buttonStyle}>
        Update the payment method
      </Button>
    </EmailLayout>
  );
}
