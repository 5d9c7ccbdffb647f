import { Button, Text } from "@react-email/components";
import { buttonStyle, EmailLayout, textStyle } from "./layout";

export function PlanChangedEmail(props: { workspaceName: string; from: string; to: string; highlights: string[]; url: string }) {
  return (
    <EmailLayout preview={`${props.workspaceName} is now on the ${props.to} plan`}>
      <Text style={textStyle}>
        <strong>{props.workspaceName}</strong> moved from the {props.from} plan to the <strong>{props.to}</strong> plan.
      </Text>
      <Text style={textStyle}>It now includes: {props.highlights.join(", ")}.</Text>
      <Button href={props.url} style={buttonStyle}>
        See billing
      </Button>
    </EmailLayout>
  );
}
