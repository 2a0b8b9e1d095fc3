// The Findings tree's model: on a real capture with its real scan and a sidecar resolved against
// it, the tree's shape (captures → annotations by severity, findings by kind), its order, the
// counts its descriptions state, the caps, orphaned anchors and unreadable sidecars, hostile text
// kept as text, and the arguments each click sends to `leaklens.showInCapture`. Expected values
// are counted here from the scan's findings, not taken from the model.
import assert from 'node:assert/strict';
import { anchorOf, findingKey, findingRefOf } from '../../../extension/core/annotations/anchor';
import type { Sidecar } from '../../../extension/core/annotations/model';
import { serializeSidecar } from '../../../extension/core/annotations/sidecar';
import { loadCaptureFile } from '../../../extension/core/load/index';
import type { Capture, Finding } from '../../../extension/core/model';
import { scanCapture } from '../../../extension/core/scan';
import { AnnotationBook } from '../../../extension/editor/annotationBook';
import {
  FINDINGS_PER_KIND,
  KIND_TITLE,
  OPEN_IN_LEAKLENS,
  SHOW_IN_CAPTURE,
  buildFindingsTree,
  captureNode,
  parseShowInCaptureArgs,
  sidecarOnlyEntry,
  treeFindingOf,
  type TreeCaptureEntry,
  type TreeFinding,
  type TreeNode,
} from '../../../extension/editor/findingsTreeModel';
import { FINDING_KINDS, type AnnotationsView, type AnnotationView } from '../../../extension/protocol';
import { annotation, findingState } from '../annotations/fixtures';
import { corpusPath } from '../corpus';

const FILE = 'mitmproxy_hardump.har';
const URI = 'file:///ws/captures/mitmproxy_hardump.har';
const SIDECAR_FILE = `${FILE}.leaklens.json`;
const HOSTILE_TITLE = '<img src=x onerror=alert(1)> [run](command:workbench.action.terminal.new) \u202eevil';
const HOSTILE_NOTES = 'First line with <script>alert(1)</script>\n[link](https://evil.example) and ![img](https://evil.example/x.png)\n# not a heading';

let capture: Capture;
let findings: Finding[];

function child(node: TreeNode, kind: TreeNode['kind']): TreeNode {
  const found = node.children.find((c) => c.kind === kind);
  assert.ok(found, `${node.label} has no ${kind} child (has ${node.children.map((c) => c.kind).join(', ')})`);
  return found;
}

function allNodes(nodes: readonly TreeNode[]): TreeNode[] {
  return nodes.flatMap((n) => [n, ...allNodes(n.children)]);
}

function findingsOf(exchangeId: number, kind?: Finding['kind']): Finding[] {
  return findings.filter((f) => f.exchangeId === exchangeId && (kind === undefined || f.kind === kind));
}

/** A sidecar on the real capture: four severities, a four-exchange annotation, an orphan anchor, a judgement. */
function studySidecar(): Sidecar {
  const x = capture.exchanges;
  const imei0 = findingsOf(0, 'imei')[0];
  const judged = findings.find((f) => f.exchangeId === 2 && f.kind === 'phone');
  assert.ok(imei0 && judged, 'the corpus capture should have an IMEI in exchange 0 and a phone number in exchange 2');
  const orphan = annotation('orph', { severity: 'medium', title: 'Partly orphaned', created: '2026-11-22T10:00:02.000Z' });
  orphan.exchanges.push(anchorOf(x[4]));
  return {
    version: 1,
    capture: { file: FILE },
    annotations: [
      annotation('low1', { severity: 'low', title: 'IMEI in registration', exchanges: [anchorOf(x[0])], findings: [findingRefOf(imei0)], created: '2026-11-22T10:00:00.000Z' }),
      annotation('crit', { severity: 'critical', title: HOSTILE_TITLE, notes: HOSTILE_NOTES, exchanges: [1, 2, 3, 5].map((i) => anchorOf(x[i])), findings: findingsOf(3).slice(0, 1).map(findingRefOf), created: '2026-11-22T10:00:01.000Z' }),
      orphan,
      annotation('high1', { severity: 'high', title: 'Second look at registration', exchanges: [anchorOf(x[0])], findings: [], created: '2026-11-22T10:00:03.000Z' }),
    ],
    findingStates: [findingState(judged.value, { exchange: anchorOf(x[2]), finding: findingRefOf(judged), state: 'false-positive', reason: 'test number' })],
  };
}

function openEntry(sidecar: Sidecar | undefined = studySidecar()): { entry: TreeCaptureEntry; book: AnnotationBook; shown: Finding[] } {
  const book = new AnnotationBook(capture, sidecar, SIDECAR_FILE);
  const shown = book.withoutJudged({ findings, limits: [], summary: scanCapture(capture).summary, stats: { fields: 0, leaves: 0, inputBytes: 0, durationMs: 0 } }).findings;
  const entry: TreeCaptureEntry = {
    uri: URI, fileName: FILE, path: `captures/${FILE}`, open: true, scanned: true,
    annotations: book.view(), findings: shown.map((f) => treeFindingOf(f, capture.exchanges[f.exchangeId])),
  };
  return { entry, book, shown };
}

function synthetic(overrides: Partial<TreeFinding>, i: number): TreeFinding {
  return { exchangeId: i, key: `k${i}`, kind: 'imei', confidence: 'high', value: `86871539275${String(i).padStart(4, '0')}`, host: 'h.example', secure: false, where: 'query parameter imei', ...overrides };
}

function view(annotations: AnnotationView[], overrides: Partial<AnnotationsView> = {}): AnnotationsView {
  return { sidecarFile: SIDECAR_FILE, status: 'ok', error: '', annotations, total: annotations.length, judgedCount: 0, ...overrides };
}

describe('Findings tree model', () => {
  before(() => {
    capture = loadCaptureFile(corpusPath('generated/har/mitmproxy_hardump.har'));
    findings = scanCapture(capture).findings;
    assert.ok(findings.length > 20, 'the corpus capture should have findings');
  });

  it('shows an open capture with its counts: annotations, findings (judged left out), plain HTTP', () => {
    const { entry, shown } = openEntry();
    assert.equal(shown.length, findings.length - 1, 'one finding is judged');
    const plain = shown.filter((f) => !capture.exchanges[f.exchangeId].secure).length;
    assert.ok(plain > 0);
    const [root, ...rest] = buildFindingsTree([entry]);
    assert.equal(rest.length, 0);
    assert.equal(root.kind, 'capture');
    assert.equal(root.label, FILE);
    assert.equal(root.description, `4 annotations · ${shown.length} findings · ${plain} plain HTTP`);
    assert.equal(root.resourceUri, URI);
    assert.equal(root.collapsible, 'expanded');
    assert.deepEqual(root.children.map((c) => c.kind), ['annotations', 'findings']);
    assert.match(root.tooltip, /captures\/mitmproxy\\_hardump\\\.har/);
    assert.match(root.tooltip, /1 finding judged false positive or expected/);
  });

  it('lists annotations most severe first, with severity, exchanges and orphans in the description', () => {
    const { entry } = openEntry();
    const group = child(captureNode(entry), 'annotations');
    assert.equal(group.description, '4 · 1 with orphaned anchors');
    const items = group.children;
    assert.deepEqual(items.map((n) => n.description), ['CRITICAL · #1, #2, #3 + 1 more', 'HIGH · #0', 'MEDIUM · #4 · ⚠ 1 orphaned', 'LOW · #0']);
    assert.deepEqual(items.map((n) => n.label.slice(0, 12)), ['<img src=x o', 'Second look ', 'Partly orpha', 'IMEI in regi']);
    assert.deepEqual(items.map((n) => n.icon), [
      { id: 'flame', color: 'errorForeground' },
      { id: 'error', color: 'errorForeground' },
      { id: 'warning', color: 'editorWarning.foreground' },
      { id: 'info', color: 'editorInfo.foreground' },
    ]);
    const orphanItems = items[2].children.filter((c) => c.kind === 'orphan');
    assert.equal(orphanItems.length, 1);
    // The fixture's anchor names exchange 1's request line with another body.
    assert.match(orphanItems[0].description, /another request body/);
    assert.equal(orphanItems[0].icon.color, 'editorWarning.foreground');
    assert.match(items[2].tooltip, /Orphaned: /);
  });

  it('sends an annotation click to its first exchange, with a finding it names in that exchange highlighted', () => {
    const { entry } = openEntry();
    const items = child(captureNode(entry), 'annotations').children;
    const [crit, high, orph, low] = items;
    const imei0 = findingKey(findingRefOf(findingsOf(0, 'imei')[0]));
    assert.deepEqual(low.command, { command: SHOW_IN_CAPTURE, title: 'Show in Capture', arguments: [URI, { exchangeId: 0, findingKey: imei0 }] });
    assert.deepEqual(high.command?.arguments, [URI, { exchangeId: 0, findingKey: null }], 'it names no finding');
    assert.deepEqual(orph.command?.arguments, [URI, { exchangeId: 4, findingKey: null }], 'the resolved anchor, not the orphan');
    // The critical one names a finding of exchange 3 only: exchange 1 (first) opens without one.
    assert.deepEqual(crit.command?.arguments, [URI, { exchangeId: 1, findingKey: null }]);
    assert.equal(crit.collapsible, 'collapsed');
    const exchanges = crit.children.filter((c) => c.kind === 'exchange');
    assert.deepEqual(exchanges.map((c) => c.label), ['Exchange #1', 'Exchange #2', 'Exchange #3', 'Exchange #5']);
    assert.deepEqual(exchanges[2].command?.arguments, [URI, { exchangeId: 3, findingKey: findingKey(findingRefOf(findingsOf(3)[0])) }]);
    assert.equal(low.collapsible, 'none');
  });

  it('groups findings by kind, most serious first, with counts counted from the scan', () => {
    const { entry, shown } = openEntry();
    const group = child(captureNode(entry), 'findings');
    const kinds = FINDING_KINDS.filter((k) => shown.some((f) => f.kind === k));
    // Every kind of this capture has a high-confidence finding: the kinds' own order decides.
    assert.ok(kinds.every((k) => shown.some((f) => f.kind === k && f.confidence === 'high')));
    assert.deepEqual(group.children.map((n) => n.label), kinds.map((k) => `${KIND_TITLE[k]} — ${shown.filter((f) => f.kind === k).length}`));
    assert.equal(group.description.split(' · ')[0], String(shown.length));
    assert.equal(group.description.split(' · ')[1], `${kinds.length} kinds`);
    for (const node of group.children) {
      const kind = kinds[group.children.indexOf(node)];
      const own = shown.filter((f) => f.kind === kind);
      assert.equal(node.children.length, own.length, `${kind}: one item per finding below the cap`);
      assert.match(node.description, new RegExp(`${new Set(own.map((f) => f.value)).size} values?`));
    }
  });

  it('describes each finding by exchange, host and scheme and sends its key', () => {
    const { entry, shown } = openEntry();
    const imeiGroup = child(captureNode(entry), 'findings').children.find((n) => n.label.startsWith('IMEI'));
    assert.ok(imeiGroup);
    for (const item of imeiGroup.children) {
      assert.equal(item.kind, 'finding');
      const args = item.command?.arguments;
      assert.ok(args && args[0] === URI);
      const target = args[1] as { exchangeId: number; findingKey: string };
      const finding = shown.find((f) => f.exchangeId === target.exchangeId && findingKey(findingRefOf(f)) === target.findingKey);
      assert.ok(finding, `the item's key names a finding of exchange #${target.exchangeId}`);
      assert.equal(finding.kind, 'imei');
      assert.equal(item.label, finding.value);
      assert.ok(item.description.startsWith(`#${finding.exchangeId} · `), item.description);
      assert.equal(item.description.includes('plain HTTP'), !capture.exchanges[finding.exchangeId].secure);
      assert.match(item.tooltip, /\*\*IMEI\*\*/);
    }
    // Surest first within the kind: the medium-confidence IMEI comes after the high ones.
    const confidences = imeiGroup.children.map((n) => (n.description.includes('medium confidence') ? 1 : 0));
    assert.deepEqual(confidences, [...confidences].sort((a, b) => a - b));
    assert.ok(confidences.includes(1), 'the corpus capture has a medium-confidence IMEI');
  });

  it('puts a kind whose findings are all less sure after the kinds with sure findings', () => {
    const { entry } = openEntry();
    const unsure = { ...entry, findings: entry.findings.map((f) => (f.kind === 'imei' ? { ...f, confidence: 'low' as const } : f)) };
    const labels = child(captureNode(unsure), 'findings').children.map((n) => n.label);
    assert.ok(labels[labels.length - 1].startsWith('IMEI — '), labels.join(' | '));
    assert.ok(labels[0].startsWith('IMSI — '), labels.join(' | '));
  });

  it('caps the items of one kind and counts the rest in a last item', () => {
    const many = Array.from({ length: FINDINGS_PER_KIND + 7 }, (_, i) => synthetic({ confidence: i === 3 ? 'medium' : 'high', secure: i % 2 === 1 }, i));
    const entry: TreeCaptureEntry = { uri: URI, fileName: FILE, path: FILE, open: true, scanned: true, annotations: view([], { status: 'none' }), findings: many };
    const kind = child(child(captureNode(entry), 'findings'), 'kind');
    assert.equal(kind.label, `IMEI — ${FINDINGS_PER_KIND + 7}`);
    assert.equal(kind.children.length, FINDINGS_PER_KIND + 1);
    const last = kind.children[kind.children.length - 1];
    assert.equal(last.kind, 'more');
    assert.equal(last.label, "… and 7 more (use the workbench's Findings view)");
    assert.equal(last.command, undefined);
    // Plain HTTP before TLS among equally sure findings; the one medium finding is beyond the cap.
    const shown = kind.children.slice(0, -1);
    assert.ok(shown.slice(0, 104).every((n) => n.description.includes('plain HTTP')));
    assert.ok(!shown.some((n) => n.description.includes('medium confidence')));
    assert.match(kind.description, /104 plain HTTP/);
  });

  it('keeps hostile sidecar text as text: labels cleaned, tooltips escaped', () => {
    const { entry } = openEntry();
    const crit = child(captureNode(entry), 'annotations').children[0];
    assert.ok(!crit.label.includes('\u202e'), 'no bidi override in the label');
    assert.ok(crit.label.includes('\\u202e'), 'shown as an escape instead');
    assert.ok(!/<img|<script/.test(crit.tooltip), crit.tooltip);
    assert.ok(crit.tooltip.includes('&lt;img src\\=x onerror\\=alert\\(1\\)\\>'), crit.tooltip);
    assert.ok(crit.tooltip.includes('&lt;script\\>alert\\(1\\)&lt;/script\\>'));
    assert.ok(crit.tooltip.includes('\\\\u202eevil'), 'the escape is itself escaped, so it shows as written');
    assert.ok(!/\]\(/.test(crit.tooltip), 'no link or image can form');
    assert.ok(crit.tooltip.includes('\\[run\\]\\(command\\:workbench\\.action'));
    assert.match(crit.tooltip, /\\!\\\[img\\\]/);
    assert.match(crit.tooltip, /\n\\# not a heading/);
    assert.match(crit.tooltip, /^\*\*CRITICAL\*\* · /);
    // Notes keep their lines (hard breaks), each escaped on its own.
    assert.equal(crit.tooltip.split('  \n').length, 3);
  });

  it('lists a capture known only by its sidecar: recorded exchange numbers, not open, open-to-scan hint', () => {
    const sidecar = studySidecar();
    const entry = sidecarOnlyEntry({ uri: URI, fileName: FILE, path: `captures/${FILE}`, sidecarPath: `captures/${SIDECAR_FILE}`, bytes: new TextEncoder().encode(serializeSidecar(sidecar)) });
    const node = captureNode(entry);
    assert.equal(node.description, '4 annotations · not open');
    assert.equal(node.collapsible, 'collapsed');
    assert.deepEqual(node.children.map((c) => c.kind), ['annotations', 'hint']);
    const items = node.children[0].children;
    assert.deepEqual(items.map((n) => n.description), ['CRITICAL · #1, #2, #3 + 1 more · not open', 'HIGH · #0 · not open', 'MEDIUM · #1, #4 · not open', 'LOW · #0 · not open']);
    assert.deepEqual(items.map((n) => n.command?.arguments), ['crit', 'high1', 'orph', 'low1'].map((id) => [URI, { annotationId: id }]));
    assert.ok(items.every((n) => n.children.length === 0));
    const hint = node.children[1];
    assert.equal(hint.label, 'Open to scan for findings');
    assert.deepEqual(hint.command, { command: OPEN_IN_LEAKLENS, title: 'Open in LeakLens', arguments: [URI] });
    const gone = captureNode({ ...entry, missing: true });
    assert.equal(gone.description, '4 annotations · capture file missing');
    assert.deepEqual(gone.children.map((c) => [c.kind, c.label, c.command]), [['annotations', 'Annotations', undefined], ['hint', 'Capture file missing', undefined]]);
  });

  it('shows an unreadable sidecar as an error item naming the file and the problem, never throwing', () => {
    const conflict = `${serializeSidecar(studySidecar()).slice(0, 40)}\n<<<<<<< HEAD\n=======\n>>>>>>> theirs\n`;
    const cases: [string, Uint8Array, RegExp][] = [
      ['merge conflict', new TextEncoder().encode(conflict), /merge conflict marker/],
      ['not UTF-8', Uint8Array.from([0x7b, 0xff, 0xfe, 0x7d]), /not valid UTF-8/],
      ['not JSON', new TextEncoder().encode('{"version": 1, '), /not valid JSON/],
      ['newer schema', new TextEncoder().encode('{"version": 99, "capture": {"file": "x"}, "annotations": [], "findingStates": []}'), /newer LeakLens/],
      ['prototype keys', new TextEncoder().encode('{"__proto__": {"polluted": true}, "constructor": 1}'), /version/],
    ];
    for (const [name, bytes, problem] of cases) {
      const entry = sidecarOnlyEntry({ uri: URI, fileName: FILE, path: FILE, sidecarPath: `captures/${SIDECAR_FILE}`, bytes });
      const node = captureNode(entry);
      assert.equal(node.description, 'annotations unreadable · not open', name);
      const error = child(node, 'error');
      assert.equal(error.label, `${SIDECAR_FILE} cannot be read`, name);
      assert.match(error.description, problem, name);
      assert.ok(error.description.startsWith(`captures/${SIDECAR_FILE}`), `${name}: ${error.description}`);
      assert.equal(error.icon.color, 'errorForeground');
      assert.equal(error.command, undefined);
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('shows an open capture whose sidecar cannot be read with the error and its findings', () => {
    const book = new AnnotationBook(capture, undefined, SIDECAR_FILE, { status: 'error', error: `${SIDECAR_FILE} (line 3, column 5): not valid JSON` });
    const entry: TreeCaptureEntry = { uri: URI, fileName: FILE, path: FILE, open: true, scanned: true, annotations: book.view(), findings: findings.map((f) => treeFindingOf(f, capture.exchanges[f.exchangeId])) };
    const node = captureNode(entry);
    assert.deepEqual(node.children.map((c) => c.kind), ['error', 'findings']);
    assert.match(node.children[0].description, /line 3, column 5/);
    assert.ok(node.description.startsWith(`annotations unreadable · ${findings.length} findings`), node.description);
  });

  it('says when an open capture is not scanned yet or has no findings', () => {
    const base: TreeCaptureEntry = { uri: URI, fileName: FILE, path: FILE, open: true, scanned: false, annotations: view([], { status: 'none' }), findings: [synthetic({}, 1)] };
    const unscanned = captureNode(base);
    assert.equal(unscanned.description, 'not scanned yet');
    assert.deepEqual(unscanned.children.map((c) => [c.kind, c.label]), [['hint', 'Not scanned yet']]);
    const clean = captureNode({ ...base, scanned: true, findings: [] });
    assert.equal(clean.description, 'no findings');
    assert.deepEqual(clean.children.map((c) => [c.kind, c.label]), [['hint', 'No findings']]);
  });

  it('lists open captures first, hides the sidecar-only entry of an open capture, and gives every node its own id', () => {
    const { entry } = openEntry();
    const bytes = new TextEncoder().encode(serializeSidecar(studySidecar()));
    const same = sidecarOnlyEntry({ uri: URI, fileName: FILE, path: `captures/${FILE}`, sidecarPath: `captures/${SIDECAR_FILE}`, bytes });
    const other = (name: string) => sidecarOnlyEntry({ uri: `file:///ws/${name}`, fileName: name, path: name, sidecarPath: `${name}.leaklens.json`, bytes });
    const roots = buildFindingsTree([other('b.har'), same, other('a.har'), entry], [{ label: 'Not every annotations file is listed', message: 'only the first 500' }]);
    assert.deepEqual(roots.map((r) => [r.kind, r.label]), [['error', 'Not every annotations file is listed'], ['capture', FILE], ['capture', 'a.har'], ['capture', 'b.har']]);
    assert.equal(roots[1].description.includes('not open'), false, 'the open capture wins');
    const ids = allNodes(roots).map((n) => n.id);
    assert.equal(new Set(ids).size, ids.length);
    // The same data gives the same ids (expansion survives a refresh).
    assert.deepEqual(allNodes(buildFindingsTree([other('b.har'), same, other('a.har'), entry])).map((n) => n.id), ids.slice(1));
    assert.deepEqual(buildFindingsTree([]), []);
  });

  it('counts annotations beyond those listed', () => {
    const one: AnnotationView = { id: 'a', severity: 'info', title: 't', notes: '', tags: [], exchangeIds: [0], orphans: [], findingKeys: [], updated: '' };
    const list = Array.from({ length: 503 }, (_, i) => ({ ...one, id: `a${i}` }));
    const entry: TreeCaptureEntry = { uri: URI, fileName: FILE, path: FILE, open: true, scanned: false, annotations: view(list, { total: 5010 }), findings: [] };
    const group = child(captureNode(entry), 'annotations');
    assert.equal(group.children.length, 501);
    assert.equal(group.children[500].kind, 'more');
    assert.match(group.children[500].label, /^… and 4,510 more /);
    assert.match(captureNode(entry).description, /^5,010 annotations/);
  });

  it('accepts only well-formed showInCapture arguments', () => {
    assert.deepEqual(parseShowInCaptureArgs([URI, { exchangeId: 4, findingKey: 'k' }]), { uri: URI, target: { exchangeId: 4, findingKey: 'k' } });
    assert.deepEqual(parseShowInCaptureArgs([URI, { exchangeId: 0 }]), { uri: URI, target: { exchangeId: 0, findingKey: null } });
    assert.deepEqual(parseShowInCaptureArgs([URI, { annotationId: 'a1' }]), { uri: URI, target: { annotationId: 'a1' } });
    // The text view's "Annotate request #N" CodeLens asks for the form too.
    assert.deepEqual(parseShowInCaptureArgs([URI, { exchangeId: 3, findingKey: null, annotate: true }]), { uri: URI, target: { exchangeId: 3, findingKey: null, annotate: true } });
    assert.deepEqual(parseShowInCaptureArgs([URI, { exchangeId: 3, annotate: false }]), { uri: URI, target: { exchangeId: 3, findingKey: null } });
    for (const bad of [[URI, { exchangeId: 3, annotate: 'yes' }], [URI, { exchangeId: 3, annotate: 1 }], [], [URI], [1, { exchangeId: 0 }], ['', { exchangeId: 0 }], [URI, { exchangeId: -1 }], [URI, { exchangeId: 1.5 }], [URI, { exchangeId: '1' }], [URI, { exchangeId: 1, findingKey: 3 }], [URI, { annotationId: '' }], [URI, { annotationId: 7 }], [URI, null]]) {
      assert.equal(parseShowInCaptureArgs(bad), undefined, JSON.stringify(bad));
    }
  });
});
