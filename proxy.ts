import { NextResponse, type NextRequest } from "next/server";

/**
 * Cheap first gate for signed-in areas: without a session cookie, go to sign-in and come back to
 * the exact page afterwards. Pages still check the session itself (server/auth).
 */
export function proxy(req: NextRequest) {
  const hasSession = req.cookies.has("authjs.session-token") || req.cookies.has("__Secure-authjs.session-token");
  if (hasSession) return NextResponse.next();
  const url = req.nextUrl.clone();
  url.pathname = "/signin";
  url.search = `?callbackUrl=${encodeURIComponent(req.nextUrl.pathname + req.nextUrl.search)}`;
  return NextResponse.redirect(url);
}

export const config = { matcher: ["/w/:path*", "/onboarding", "/invite/:path*"] };
