import type { ReactNode, SVGProps } from "react";

export type IconProps = Omit<SVGProps<SVGSVGElement>, "children"> & {
  /** Pixel size of the square icon; a `size-*` class overrides it. Default 16. */
  size?: number;
  /** Accessible name. Without it the icon is decorative and hidden from assistive tech. */
  title?: string;
};

export type Icon = (props: IconProps) => ReactNode;

// 24x24 stroke icons drawn for Jace; one path set per icon keeps the bundle tiny.
function icon(name: string, paths: ReactNode): Icon {
  function IconComponent({ size = 16, title, ...props }: IconProps) {
    return (
      <svg
        xmlns="http://www.w3.org/2000/svg"
        viewBox="0 0 24 24"
        width={size}
        height={size}
        fill="none"
        stroke="currentColor"
        strokeWidth={1.75}
        strokeLinecap="round"
        strokeLinejoin="round"
        aria-hidden={title ? undefined : true}
        role={title ? "img" : undefined}
        focusable="false"
        {...props}
      >
        {title ? <title>{title}</title> : null}
        {paths}
      </svg>
    );
  }
  IconComponent.displayName = name;
  return IconComponent;
}

// Navigation
export const IconTasks = icon("IconTasks", <path d="M10 6h10M10 12h10M10 18h10M3.5 6l1.5 1.5L7.5 5M3.5 12l1.5 1.5L7.5 11M4 18h2" />);
export const IconRunners = icon(
  "IconRunners",
  <>
    <rect x="3" y="4" width="18" height="7" rx="1.5" />
    <rect x="3" y="13" width="18" height="7" rx="1.5" />
    <path d="M7 7.5h.01M7 16.5h.01M11 7.5h6M11 16.5h6" />
  </>,
);
export const IconIntegrations = icon("IconIntegrations", <path d="M9 3v4M15 3v4M6.5 7h11v4a5.5 5.5 0 0 1-11 0V7ZM12 16.5V21" />);
export const IconBilling = icon(
  "IconBilling",
  <>
    <rect x="2.5" y="5" width="19" height="14" rx="2" />
    <path d="M2.5 10h19M6.5 15h3" />
  </>,
);
export const IconSettings = icon(
  "IconSettings",
  <>
    <path d="M10.14 5.05L10.51 2.62L13.49 2.62L13.86 5.05A7.2 7.2 0 0 1 15.6 5.76L17.58 4.31L19.69 6.42L18.24 8.4A7.2 7.2 0 0 1 18.95 10.14L21.38 10.51L21.38 13.49L18.95 13.86A7.2 7.2 0 0 1 18.24 15.6L19.69 17.58L17.58 19.69L15.6 18.24A7.2 7.2 0 0 1 13.86 18.95L13.49 21.38L10.51 21.38L10.14 18.95A7.2 7.2 0 0 1 8.4 18.24L6.42 19.69L4.31 17.58L5.76 15.6A7.2 7.2 0 0 1 5.05 13.86L2.62 13.49L2.62 10.51L5.05 10.14A7.2 7.2 0 0 1 5.76 8.4L4.31 6.42L6.42 4.31L8.4 5.76A7.2 7.2 0 0 1 10.14 5.05Z" />
    <circle cx="12" cy="12" r="3" />
  </>,
);
export const IconProjects = icon(
  "IconProjects",
  <path d="M3 7.5A1.5 1.5 0 0 1 4.5 6h4l2 2.5h9A1.5 1.5 0 0 1 21 10v8.5a1.5 1.5 0 0 1-1.5 1.5h-15A1.5 1.5 0 0 1 3 18.5v-11Z" />,
);
export const IconMembers = icon(
  "IconMembers",
  <>
    <circle cx="9" cy="8" r="3.5" />
    <path d="M2.5 20a6.5 6.5 0 0 1 13 0M16 4.6a3.5 3.5 0 0 1 0 6.8M18 14.3a6.5 6.5 0 0 1 3.5 5.7" />
  </>,
);
export const IconKey = icon(
  "IconKey",
  <>
    <circle cx="7.5" cy="15.5" r="4.5" />
    <path d="M10.7 12.3 20 3M16.5 6.5l3 3M14 9l2 2" />
  </>,
);
export const IconAudit = icon(
  "IconAudit",
  <>
    <rect x="5" y="4" width="14" height="17" rx="2" />
    <path d="M9 4V3h6v1M9 10h6M9 14h6M9 18h3" />
  </>,
);
export const IconUsage = icon("IconUsage", <path d="M4 20V10M10 20V4M16 20v-7M22 20H2" />);
export const IconHome = icon("IconHome", <path d="M3.5 10.5 12 3.5l8.5 7V20a1 1 0 0 1-1 1h-5v-6h-5v6h-5a1 1 0 0 1-1-1v-9.5Z" />);

// Actions and affordances
export const IconPlus = icon("IconPlus", <path d="M12 5v14M5 12h14" />);
export const IconChevronDown = icon("IconChevronDown", <path d="m6 9 6 6 6-6" />);
export const IconChevronRight = icon("IconChevronRight", <path d="m9 6 6 6-6 6" />);
export const IconChevronLeft = icon("IconChevronLeft", <path d="m15 6-6 6 6 6" />);
export const IconArrowRight = icon("IconArrowRight", <path d="M5 12h14M13 6l6 6-6 6" />);
export const IconCheck = icon("IconCheck", <path d="m5 12.5 4.5 4.5L19 7.5" />);
export const IconX = icon("IconX", <path d="M6 6l12 12M18 6 6 18" />);
export const IconLogout = icon("IconLogout", <path d="M14 4h4.5A1.5 1.5 0 0 1 20 5.5v13a1.5 1.5 0 0 1-1.5 1.5H14M10 8l-4 4 4 4M6 12h10" />);
export const IconExternal = icon(
  "IconExternal",
  <path d="M14 4h6v6M20 4l-9 9M18 14v4.5a1.5 1.5 0 0 1-1.5 1.5h-11A1.5 1.5 0 0 1 4 18.5v-11A1.5 1.5 0 0 1 5.5 6H10" />,
);
export const IconCopy = icon(
  "IconCopy",
  <>
    <rect x="8" y="8" width="12" height="12" rx="2" />
    <path d="M16 8V5.5A1.5 1.5 0 0 0 14.5 4h-9A1.5 1.5 0 0 0 4 5.5v9A1.5 1.5 0 0 0 5.5 16H8" />
  </>,
);
export const IconSearch = icon(
  "IconSearch",
  <>
    <circle cx="11" cy="11" r="6.5" />
    <path d="m20 20-4.4-4.4" />
  </>,
);
export const IconRefresh = icon("IconRefresh", <path d="M20 11a8 8 0 0 0-14.6-4.5M4 4v4h4M4 13a8 8 0 0 0 14.6 4.5M20 20v-4h-4" />);

// Status
export const IconInfo = icon(
  "IconInfo",
  <>
    <circle cx="12" cy="12" r="9" />
    <path d="M12 11v5M12 8h.01" />
  </>,
);
export const IconCheckCircle = icon(
  "IconCheckCircle",
  <>
    <circle cx="12" cy="12" r="9" />
    <path d="m8.5 12.5 2.5 2.5 4.5-5" />
  </>,
);
export const IconAlertTriangle = icon(
  "IconAlertTriangle",
  <path d="M10.3 4.2 2.8 17.5A2 2 0 0 0 4.5 20.5h15a2 2 0 0 0 1.7-3L13.7 4.2a2 2 0 0 0-3.4 0ZM12 9.5v4M12 17h.01" />,
);
export const IconXCircle = icon(
  "IconXCircle",
  <>
    <circle cx="12" cy="12" r="9" />
    <path d="m9 9 6 6M15 9l-6 6" />
  </>,
);
export const IconClock = icon(
  "IconClock",
  <>
    <circle cx="12" cy="12" r="9" />
    <path d="M12 7v5l3 2" />
  </>,
);

// Channels and concepts
export const IconMail = icon(
  "IconMail",
  <>
    <rect x="3" y="5" width="18" height="14" rx="2" />
    <path d="m3.5 6.5 8.5 6.5 8.5-6.5" />
  </>,
);
export const IconMessage = icon(
  "IconMessage",
  <path d="M4 5.5A1.5 1.5 0 0 1 5.5 4h13A1.5 1.5 0 0 1 20 5.5v10a1.5 1.5 0 0 1-1.5 1.5H9l-5 4V5.5ZM8 9h8M8 12.5h5" />,
);
export const IconGitBranch = icon(
  "IconGitBranch",
  <>
    <circle cx="6" cy="5.5" r="2.5" />
    <circle cx="6" cy="18.5" r="2.5" />
    <circle cx="18" cy="8" r="2.5" />
    <path d="M6 8v8M18 10.5c0 4-5 3.5-10.5 6.5" />
  </>,
);
export const IconSend = icon("IconSend", <path d="M21 3 10.5 13.5M21 3l-6.5 18-4-7.5L3 9.5 21 3Z" />);
export const IconBoard = icon(
  "IconBoard",
  <>
    <rect x="3" y="3.5" width="18" height="17" rx="2" />
    <path d="M7 7.5v8M12 7.5v4M17 7.5v6" />
  </>,
);
export const IconGlobe = icon(
  "IconGlobe",
  <>
    <circle cx="12" cy="12" r="9" />
    <path d="M3 12h18M12 3c2.5 2.6 3.7 5.6 3.7 9s-1.2 6.4-3.7 9c-2.5-2.6-3.7-5.6-3.7-9S9.5 5.6 12 3Z" />
  </>,
);
export const IconCpu = icon(
  "IconCpu",
  <>
    <rect x="6" y="6" width="12" height="12" rx="1.5" />
    <rect x="9.5" y="9.5" width="5" height="5" rx=".5" />
    <path d="M9.5 2.5V6M14.5 2.5V6M9.5 18v3.5M14.5 18v3.5M2.5 9.5H6M2.5 14.5H6M18 9.5h3.5M18 14.5h3.5" />
  </>,
);
export const IconShield = icon(
  "IconShield",
  <path d="M12 3 4.5 6v5.5c0 4.6 3.1 8.2 7.5 9.5 4.4-1.3 7.5-4.9 7.5-9.5V6L12 3ZM9 12l2 2 4-4" />,
);
export const IconLock = icon(
  "IconLock",
  <>
    <rect x="4.5" y="10.5" width="15" height="10" rx="2" />
    <path d="M8 10.5V7.5a4 4 0 0 1 8 0v3M12 14.5v2" />
  </>,
);
export const IconGauge = icon("IconGauge", <path d="M3.5 17a9 9 0 1 1 17 0M12 13.5 16 9M12 13.5h.01" />);
export const IconActivity = icon("IconActivity", <path d="M3 12h4l3-8 4 16 3-8h4" />);
export const IconUserCheck = icon(
  "IconUserCheck",
  <>
    <circle cx="9" cy="8" r="3.5" />
    <path d="M2.5 20a6.5 6.5 0 0 1 11.4-4.3M15.5 18l2 2 4-4.5" />
  </>,
);
export const IconTerminal = icon(
  "IconTerminal",
  <>
    <rect x="3" y="4" width="18" height="16" rx="2" />
    <path d="m7 9 3 3-3 3M12.5 15H17" />
  </>,
);
export const IconSparkles = icon(
  "IconSparkles",
  <path d="M10 3.5 11.6 8a3 3 0 0 0 1.9 1.9L18 11.5 13.5 13a3 3 0 0 0-1.9 1.9L10 19.5 8.4 15a3 3 0 0 0-1.9-1.9L2 11.5 6.5 10A3 3 0 0 0 8.4 8L10 3.5ZM18.5 3v4M16.5 5h4" />,
);
export const IconLayers = icon("IconLayers", <path d="m12 3 9 5-9 5-9-5 9-5ZM3 12.5l9 5 9-5M3 16.5l9 5 9-5" />);
