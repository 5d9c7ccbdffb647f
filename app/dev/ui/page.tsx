import type { Metadata } from "next";
import { notFound } from "next/navigation";
import type { ReactNode } from "react";
import * as ui from "@/app/_components/ui";
import {
  Alert,
  Badge,
  Button,
  Card,
  CardBody,
  CardFooter,
  CardHeader,
  Checkbox,
  EmptyState,
  IconPlus,
  IconRefresh,
  IconRunners,
  IconSettings,
  Input,
  PageHeader,
  Select,
  Skeleton,
  SkeletonText,
  Spinner,
  Stat,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableHeaderCell,
  TableRow,
  TabsNav,
  Textarea,
  Logo,
  type Icon,
} from "@/app/_components/ui";
import { DialogDemo } from "./dialog-demo";

export const metadata: Metadata = { title: "UI components" };

// A gallery of every shared component, for developers. Not part of the product: 404 in production.
export default async function UiGalleryPage({ searchParams }: { searchParams: Promise<{ dialog?: string }> }) {
  if (process.env.NODE_ENV === "production") notFound();
  const { dialog } = await searchParams;

  const icons = Object.entries(ui).filter(
    (entry): entry is [string, Icon] => entry[0].startsWith("Icon") && typeof entry[1] === "function",
  );

  return (
    <div className="mx-auto max-w-5xl px-5 py-10 sm:px-8">
      <PageHeader
        eyebrow={<Logo size={20} />}
        title="UI components"
        description="Everything in app/_components/ui, rendered with realistic content. Import from @/app/_components/ui."
        actions={
          <>
            <Button variant="secondary" leadingIcon={<IconSettings />}>
              Settings
            </Button>
            <Button leadingIcon={<IconPlus />}>New task</Button>
          </>
        }
      />

      <div className="mt-10 flex flex-col gap-12">
        <Section title="Button" note="variant × size, loading, icons, as a link (href), disabled">
          <div className="flex flex-col gap-4">
            <Row>
              <Button>Primary</Button>
              <Button variant="secondary">Secondary</Button>
              <Button variant="ghost">Ghost</Button>
              <Button variant="danger">Danger</Button>
              <Button disabled>Disabled</Button>
            </Row>
            <Row>
              <Button size="sm">Small</Button>
              <Button size="md">Medium</Button>
              <Button size="lg">Large</Button>
              <Button loading>Saving</Button>
              <Button variant="secondary" loading>
                Retrying
              </Button>
              <Button variant="secondary" leadingIcon={<IconRefresh />}>
                Replay task
              </Button>
              <Button variant="ghost" iconOnly aria-label="Settings">
                <IconSettings />
              </Button>
              <Button href="/signin" variant="secondary">
                Link button
              </Button>
            </Row>
          </div>
        </Section>

        <Section title="Badge" note="tone: neutral | success | warning | danger | info | accent; dot, pulse">
          <Row>
            <Badge>Queued</Badge>
            <Badge tone="success" dot>
              Online
            </Badge>
            <Badge tone="warning">Awaiting approval</Badge>
            <Badge tone="danger">Failed</Badge>
            <Badge tone="info" dot pulse>
              Running
            </Badge>
            <Badge tone="accent">Local model</Badge>
            <Badge dot>Offline</Badge>
          </Row>
        </Section>

        <Section title="Alert" note="tone: info | success | warning | danger; title, action">
          <div className="flex flex-col gap-3">
            <Alert title="Slack is not configured">Set SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN to receive slash commands.</Alert>
            <Alert tone="success" title="Runner enrolled">
              maria-rtx2070 is online with 8 GB of VRAM.
            </Alert>
            <Alert
              tone="warning"
              title="Cloud budget 82% used"
              action={
                <Button size="sm" variant="secondary">
                  Raise budget
                </Button>
              }
            >
              $20.50 of $25.00 spent this month. Tasks fall back to local models when it runs out.
            </Alert>
            <Alert tone="danger">Monthly task quota of 100 reached. Upgrade your plan or wait until Dec 1.</Alert>
          </div>
        </Section>

        <Section title="Form controls" note="Input, Textarea, Select, Checkbox, Field: label, hint, error, optional">
          <Card>
            <CardBody className="grid gap-5 sm:grid-cols-2">
              <Input label="Workspace name" defaultValue="Acme Engineering" hint="Shown to members and in Slack replies." />
              <Input label="Slug" defaultValue="acme eng" error="Use lowercase letters, digits and dashes, e.g. acme-eng." />
              <Select
                label="Default model"
                placeholder="Choose a model"
                defaultValue=""
                options={[
                  { value: "qwen2.5-coder-7b-q4", label: "qwen2.5-coder 7B (local)" },
                  { value: "llama-3.1-8b-q4", label: "Llama 3.1 8B (local)" },
                  { value: "gpt-4o-mini", label: "gpt-4o-mini (cloud, metered)" },
                ]}
              />
              <Input label="Monthly cloud budget" type="number" defaultValue={25} optional hint="In US dollars." />
              <Textarea
                label="Project instructions"
                containerClassName="sm:col-span-2"
                placeholder="Run tests with npm test. Never push to main."
                hint="Given to the model with every task in this project."
              />
              <Input label="Disabled" disabled defaultValue="https://jace.example.com" />
              <Checkbox
                label="Require approval before execution"
                description="A member must approve the plan in Slack, Telegram or the web."
                defaultChecked
                containerClassName="self-end"
              />
            </CardBody>
            <CardFooter>
              <Button variant="ghost">Cancel</Button>
              <Button>Save changes</Button>
            </CardFooter>
          </Card>
        </Section>

        <Section title="Card" note="Card, CardHeader (title, description, actions), CardBody, CardFooter">
          <div className="grid gap-4 sm:grid-cols-2">
            <Card>
              <CardHeader
                title="Runners"
                description="Machines enrolled in this workspace."
                actions={
                  <Button size="sm" variant="secondary" leadingIcon={<IconPlus />}>
                    Enroll
                  </Button>
                }
              />
              <CardBody>
                <dl className="grid grid-cols-3 gap-4">
                  <Stat label="Online" value="2" />
                  <Stat label="VRAM" value="16 GB" />
                  <Stat label="Jobs today" value="148" hint="+12 vs yesterday" />
                </dl>
              </CardBody>
            </Card>
            <Card>
              <CardHeader title="Loading state" description="Skeleton and SkeletonText." />
              <CardBody className="flex flex-col gap-4">
                <div className="flex items-center gap-3">
                  <Skeleton circle className="size-9" />
                  <div className="flex flex-1 flex-col gap-2">
                    <Skeleton className="h-3.5 w-1/3" />
                    <Skeleton className="h-3 w-1/2" />
                  </div>
                </div>
                <SkeletonText lines={3} />
                <div className="flex items-center gap-2 text-sm text-ink-muted">
                  <Spinner label="Loading runners" /> Spinner with a screen-reader label
                </div>
              </CardBody>
            </Card>
          </div>
        </Section>

        <Section title="Table" note="Table, TableHead, TableBody, TableRow (interactive), TableHeaderCell, TableCell">
          <Table>
            <TableHead>
              <tr>
                <TableHeaderCell>Task</TableHeaderCell>
                <TableHeaderCell>Source</TableHeaderCell>
                <TableHeaderCell>Status</TableHeaderCell>
                <TableHeaderCell className="text-right">Cost</TableHeaderCell>
              </tr>
            </TableHead>
            <TableBody>
              {[
                {
                  id: 1042,
                  title: "Run tests for acme/api",
                  source: "Slack",
                  status: (
                    <Badge tone="info" dot pulse>
                      Running
                    </Badge>
                  ),
                  cost: "$0.00",
                },
                {
                  id: 1041,
                  title: "Triage: PROD DOWN checkout 502",
                  source: "Gmail",
                  status: <Badge tone="warning">Awaiting approval</Badge>,
                  cost: "$0.04",
                },
                { id: 1040, title: "Review PR #318", source: "GitHub", status: <Badge tone="success">Delivered</Badge>, cost: "$0.11" },
                { id: 1039, title: "Summarise sprint board", source: "Trello", status: <Badge tone="danger">Failed</Badge>, cost: "$0.00" },
              ].map((row) => (
                <TableRow key={row.id} interactive>
                  <TableCell>
                    <span className="font-medium">{row.title}</span>
                    <span className="ml-2 text-ink-subtle">#{row.id}</span>
                  </TableCell>
                  <TableCell className="text-ink-muted">{row.source}</TableCell>
                  <TableCell>{row.status}</TableCell>
                  <TableCell className="text-right tabular-nums">{row.cost}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </Section>

        <Section title="EmptyState" note="icon, title, description, action">
          <EmptyState
            icon={<IconRunners size={20} />}
            title="No runners yet"
            description="Enroll a machine with a GPU to run tasks on local models. It connects out to Jace, so no port needs to be opened."
            action={
              <>
                <Button leadingIcon={<IconPlus />}>Create enrollment token</Button>
                <Button variant="ghost">Read the setup guide</Button>
              </>
            }
          />
        </Section>

        <Section title="TabsNav" note="route tabs with counts; the current path gets aria-current">
          <TabsNav
            label="Example sections"
            items={[
              { href: "/dev/ui", label: "Components", exact: true },
              { href: "/dev/ui/tasks", label: "Tasks", count: 12 },
              { href: "/dev/ui/approvals", label: "Approvals", count: 2 },
              { href: "/dev/ui/settings", label: "Settings" },
            ]}
          />
        </Section>

        <Section title="Dialog" note="native <dialog>: Escape closes, focus stays inside; ConfirmDialog for yes/no">
          <DialogDemo initiallyOpen={dialog === "open"} />
        </Section>

        <Section title="Icons" note={`${icons.length} icons, 16px by default, size prop`}>
          <ul className="grid grid-cols-3 gap-2 sm:grid-cols-5 lg:grid-cols-8">
            {icons.map(([name, IconComponent]) => (
              <li key={name} className="flex flex-col items-center gap-2 rounded-lg border border-line bg-surface px-2 py-3 text-ink-muted">
                <IconComponent size={20} />
                <span className="text-[11px] text-ink-subtle">{name.replace(/^Icon/, "")}</span>
              </li>
            ))}
          </ul>
        </Section>

        <Section title="Logo" note="size, wordmark">
          <Row>
            <Logo />
            <Logo size={40} />
            <Logo size={32} wordmark={false} />
          </Row>
        </Section>
      </div>
    </div>
  );
}

function Section({ title, note, children }: { title: string; note?: string; children: ReactNode }) {
  return (
    <section>
      <div className="mb-4 flex flex-wrap items-baseline gap-x-3 gap-y-1">
        <h2 className="text-base font-semibold text-ink">{title}</h2>
        {note ? <p className="text-[13px] text-ink-subtle">{note}</p> : null}
      </div>
      {children}
    </section>
  );
}

function Row({ children }: { children: ReactNode }) {
  return <div className="flex flex-wrap items-center gap-3">{children}</div>;
}
