/** What went wrong with an install, by the code the OAuth callback puts in the URL. */
export const installErrors: Record<string, string> = {
  conflict: "That Slack workspace is already connected to another Jace workspace. Disconnect it there first, then try again.",
  forbidden: "Only admins and owners of this workspace can connect Slack.",
  cancelled: "The install was cancelled in Slack. Nothing was connected.",
  unprocessable: "Org-wide (Enterprise Grid) installs are not supported: install Jace into one Slack workspace.",
  bad_request: "Start the install from this page (the link you used was not from Jace).",
  failed: "Slack did not finish the install. Try again; if it keeps failing, check the app's redirect URL.",
};
