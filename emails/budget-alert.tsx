import { Button, Text } from "@react-email/components";
import { buttonStyle, EmailLayout, textStyle } from "./layout";

export function BudgetAlertEmail(props: {
  workspaceName: string;
  budgetName: string;
  level: "soft" | "hard";
  spent: string;
  limit: string;
  thresholdPct: number;
  hardLimit: boolean;
  url: string;
}) {
  const reached = props.level === "hard" ? "has reached its limit" : `has passed ${props.thresholdPct}% of its limit`;
  return (
    <EmailLayout preview={`${props.budgetName} ${reached} (${props.spent} of ${props.limit})`}>
      <Text style={textStyle}>
        The {props.budgetName} of <strong>{props.workspaceName}</strong> {reached}: <strong>{props.spent}</strong> of {props.limit} spent on
        cloud models this month.
      </Text>
      <Text style={textStyle}>
        {props.level === "hard"
          ? props.hardLimit
            ? "Jace now sends model calls to your runners only where the project allows it, and refuses calls that need the cloud until the budget is raised or the month ends."
            : "This budget only alerts: cloud calls continue."
          : "Nothing is blocked yet. Raise the budget or move work to your runners to stay under it."}
      </Text>
      <Button href={props.url} style={buttonStyle}>
        Review usage and budgets
      </Button>
    </EmailLayout>
  );
}
