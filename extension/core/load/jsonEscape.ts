/**
 * One JSON string escape starting at `backslash` (the index of `\`): its text and the index after
 * it, or undefined when it is not a valid escape. Shared by both JSON readers.
 */
export function readJsonEscape(text: string, backslash: number): { value: string; next: number } | undefined {
  const e = text.charCodeAt(backslash + 1);
  switch (e) {
    case 0x22: return { value: '"', next: backslash + 2 };
    case 0x5c: return { value: '\\', next: backslash + 2 };
    case 0x2f: return { value: '/', next: backslash + 2 };
    case 0x62: return { value: '\b', next: backslash + 2 };
    case 0x66: return { value: '\f', next: backslash + 2 };
    case 0x6e: return { value: '\n', next: backslash + 2 };
    case 0x72: return { value: '\r', next: backslash + 2 };
    case 0x74: return { value: '\t', next: backslash + 2 };
    case 0x75: {
      let code = 0;
      for (let k = 0; k < 4; k++) {
        const h = text.charCodeAt(backslash + 2 + k);
        const v = h >= 0x30 && h <= 0x39 ? h - 0x30 : h >= 0x61 && h <= 0x66 ? h - 0x57 : h >= 0x41 && h <= 0x46 ? h - 0x37 : -1;
        if (v < 0) return undefined;
        code = code * 16 + v;
      }
      return { value: String.fromCharCode(code), next: backslash + 6 };
    }
    default:
      return undefined;
  }
}
