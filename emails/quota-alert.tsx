import { Button, Text } from "@react-email/components";
import { buttonStyle, EmailLayout, textStyle } from "./layout";

export function QuotaAlertEmail(props: {
  workspaceName: string;
  planName: string;
  used: number;
  limit: number;
  level: 80 | 100;
  resetsOn: string;
  url: string;
  /** Set when tasks beyond the included ones are billed (metered overage) instead of refused. */
  overage?: { perTask: string; cap: number };
}) {
  const full = props.level === 100;
  const { overage } = props;
  return (
    <EmailLayout preview={`${props.workspaceName} used ${props.used} of ${props.limit} tasks this month`}>
      <Text style={textStyle}>
        <strong>{props.workspaceName}</strong> has used <strong>{props.used}</strong> of the {props.limit} tasks its {props.planName} plan
        includes this month.
      </Text>
      <Text style={textStyle}>
        {overage
          ? `Tasks beyond ${props.limit} are billed at ${overage.perTask} each, up to ${overage.cap} this month; the count resets on ${props.resetsOn}.`
          : full
            ? `New tasks are refused until the quota resets on ${props.resetsOn}, or until you upgrade.`
            : `Nothing is blocked yet. At ${props.limit} tasks new requests are refused until ${props.resetsOn}.`}
      </Text>
      <Button href={props.url} style={buttonStyle}>
        {full ? "Upgrade the plan" : "Review usage and plans"}
      </Button>
    </EmailLayout>
  );
}
