/** Names the address on the check-your-email page; kept out of the URL (history, server logs). */
export const SIGN_IN_EMAIL_COOKIE = "jace-signin-email";
