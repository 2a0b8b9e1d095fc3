// Text from captures and sidecars shown in VS Code's notifications. Notifications render
// `[label](command:…)` and `[label](https://…)` as links; a shared sidecar or a capture must not
// be able to put a convincing "LeakLens" link there. A space between `]` and `(` is enough to
// keep it text, and the message still reads the same.
export function inertNotificationText(text: string): string {
  return text.replace(/\]\s*\(/g, '] (');
}
