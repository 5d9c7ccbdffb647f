/**
 * Joins class names, skipping falsy values. Classes are appended, not merged: a component's own
 * utility and a conflicting one passed in className (bg-white vs bg-accent-600) are both emitted and
 * the stylesheet order decides. Override a property a component already sets with `!` (bg-white!).
 */
export function cx(...classes: Array<string | false | null | undefined>): string {
  return classes.filter(Boolean).join(" ");
}
