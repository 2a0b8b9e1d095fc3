// Text from captures and sidecars shown in VS Code's notifications. Notifications render
// `[label](command:…)` and `[label](https://…)` as links; a shared sidecar or a capture must not
// be able to put a convincing "LeakLens" link there. A space between `]` and `(` is enough to
// keep it text, and the message still reads the same. Control and bidi characters, which a
// notification shows as they are (a U+202E reverses what follows it), become `\u202e` escapes as
// in the advisory.
import { cleanText } from '../core/report/markdown';

export function inertNotificationText(text: string): string {
  return cleanText(text).replace(/\]\s*\(/g, '] (');
}
