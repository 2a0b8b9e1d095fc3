// The detail pane of the capture editor: everything about one exchange, laid out so a researcher
// can prove a leak — the exchange's findings at the top, then tabs (overview, headers, query,
// cookies, bodies) where every field shows its raw value and each decoded layer under it, with
// the identifiers highlighted where the scanner found them.
//
// Capture content is hostile. It reaches the page only through text nodes and `title`/`aria-label`
// properties, after `visible()` (control, bidi and zero-width characters made visible). Layer
// texts are split at the highlight boundaries first and each piece made visible after, so the
// host's UTF-16 offsets stay right however `visible()` changes lengths.
import '@vscode-elements/elements/dist/vscode-progress-ring/index.js';
import '@vscode-elements/elements/dist/vscode-tab-header/index.js';
import '@vscode-elements/elements/dist/vscode-tab-panel/index.js';
import '@vscode-elements/elements/dist/vscode-tabs/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import type {
  AnnotationView,
  CopyTarget,
  DetailField,
  DetailFinding,
  DetailLayer,
  DetailOverview,
  DetailSection,
  DetailSectionId,
  ExchangeDetail,
  FindingConfidence,
  Judgement,
} from '../extension/protocol';
import { MAX_REASON_LENGTH } from '../extension/protocol';
import { renderAnnotationCards } from './annotations';
import { kindBadge, kindLabel, SECTION_WHERE } from './badges';
import { focusIsFree, focusWhenReady, formatCount, h, icon, visible } from './dom';

export interface DetailActions {
  /** The host puts the text on the clipboard. */
  copy(target: CopyTarget): void;
  /** The host opens the capture as text at the exchange's entry. */
  reveal(exchangeId: number): void;
  /** Judge a finding (null: take the judgement back); resolves when saved, rejects with why not. */
  judge(exchangeId: number, key: string, judgement: Judgement | null, reason: string): Promise<void>;
  editAnnotation(id: string): void;
  deleteAnnotation(annotation: AnnotationView): void;
}

const JUDGEMENT_WORDS: Record<Judgement, { label: string; question: string; icon: string; done: string }> = {
  'false-positive': { label: 'Mark false positive…', question: 'Why is this not a real identifier?', icon: 'circle-slash', done: 'False positive' },
  expected: { label: 'Mark expected…', question: 'Why is sending it expected?', icon: 'pass', done: 'Expected' },
};

/**
 * Where the keyboard focus goes back to when the pane renders its exchange anew (judging a finding
 * or editing an annotation makes the host rescan, and the pane is built again).
 */
export type FocusTarget =
  /** The row of the finding with this key (DetailFinding.key). */
  | { finding: string }
  /** The Edit button of this annotation's card. */
  | { annotation: string }
  /** The annotations section (one was deleted). */
  | { annotations: true };

/** What survives the webview being hidden: the tab the researcher was on. */
export interface DetailState {
  tab: string;
}

export type DetailTabId = 'overview' | 'headers' | 'query' | 'cookies' | 'request-body' | 'response-body';

interface TabDef {
  id: DetailTabId;
  label: string;
  /** Sections shown in the tab, in order, with what to call each one when the host left it out. */
  sections: { id: DetailSectionId; missing: string }[];
}

export const DETAIL_TABS: readonly TabDef[] = [
  { id: 'overview', label: 'Overview', sections: [] },
  {
    id: 'headers',
    label: 'Headers',
    sections: [
      { id: 'request-headers', missing: 'Request headers' },
      { id: 'response-headers', missing: 'Response headers' },
    ],
  },
  { id: 'query', label: 'Query', sections: [{ id: 'query', missing: 'Query parameters' }] },
  {
    id: 'cookies',
    label: 'Cookies',
    sections: [
      { id: 'request-cookies', missing: 'Request cookies' },
      { id: 'response-cookies', missing: 'Response cookies (Set-Cookie)' },
    ],
  },
  { id: 'request-body', label: 'Request body', sections: [{ id: 'request-body', missing: 'Request body' }] },
  { id: 'response-body', label: 'Response body', sections: [{ id: 'response-body', missing: 'Response body' }] },
];


const BODY_SECTIONS: ReadonlySet<string> = new Set<DetailSectionId>(['request-body', 'response-body']);

const VIEW_LABELS: Record<DetailLayer['view'], string> = { text: 'text', json: 'JSON', hex: 'hex' };

const CONFIDENCE_RANK: Record<FindingConfidence, number> = { high: 3, medium: 2, low: 1 };

/** How long a revealed highlight stays flashed (the CSS animation is a little shorter). */
const FLASH_MS = 1600;

/**
 * vscode-tabs keeps its tab headers on one line, so in a narrow pane the last tabs (and their
 * finding counts) fall off the edge. A constructable stylesheet added to its shadow root lets the
 * headers wrap instead (CSP's style-src does not govern constructable stylesheets; Lit's own
 * styles arrive the same way).
 */
const TABS_WRAP_CSS = '.tablist { flex-wrap: wrap; min-width: 0; }';
let tabsWrapSheet: CSSStyleSheet | undefined;

function letTabHeadersWrap(tabs: HTMLElement & { updateComplete: Promise<boolean> }): void {
  // The shadow root exists once the element has rendered, which waits for it to be connected.
  void tabs.updateComplete.then(() => {
    const root = tabs.shadowRoot;
    if (!root) return;
    if (!tabsWrapSheet) {
      tabsWrapSheet = new CSSStyleSheet();
      tabsWrapSheet.replaceSync(TABS_WRAP_CSS);
    }
    if (!root.adoptedStyleSheets.includes(tabsWrapSheet)) root.adoptedStyleSheets = [...root.adoptedStyleSheets, tabsWrapSheet];
  });
}

function own<T extends object>(record: T, key: PropertyKey): key is keyof T {
  return Object.prototype.hasOwnProperty.call(record, key);
}

function tabOfSection(section: string): DetailTabId {
  for (const tab of DETAIL_TABS) if (tab.sections.some((s) => s.id === section)) return tab.id;
  return 'overview';
}

function confidenceOf(f: DetailFinding): FindingConfidence {
  return own(CONFIDENCE_RANK, f.confidence) ? f.confidence : 'low';
}

function sectionWhere(section: string): string {
  return own(SECTION_WHERE, section) ? SECTION_WHERE[section] : visible(String(section));
}

/** "base64 → gzip → json:$.imei" */
function chainText(chain: readonly string[]): string {
  return chain.map(visible).join(' → ');
}

/**
 * Text of a layer, made visible. Line breaks and tabs of multi-line texts (bodies, pretty-printed
 * JSON, hex dumps) are kept as they are; everything else hidden becomes visible. A header, query
 * or cookie value keeps none: a line break there is something to see.
 */
function visibleText(text: string, multiline: boolean): string {
  if (!multiline || (text.indexOf('\n') < 0 && text.indexOf('\t') < 0)) return visible(text);
  const parts = text.split(/([\n\t])/);
  for (let i = 0; i < parts.length; i += 2) parts[i] = visible(parts[i]);
  return parts.join('');
}

function formatMs(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms >= 1000) return `${(ms / 1000).toFixed(ms >= 10_000 ? 1 : 2)} s`;
  if (ms >= 100) return `${Math.round(ms)} ms`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}

function plural(n: number, word: string): string {
  return `${formatCount(n)} ${word}${n === 1 ? '' : 's'}`;
}

function iconButton(name: string, label: string, onClick: () => void, extraClass = ''): HTMLButtonElement {
  const button = h('button', { class: `detail-icon-button${extraClass ? ` ${extraClass}` : ''}`, title: label, attrs: { type: 'button', 'aria-label': label } }, icon(name));
  button.addEventListener('click', (event) => {
    event.stopPropagation();
    onClick();
  });
  return button;
}

/** Words about one finding, computed once per exchange and shared by list rows and highlights. */
interface FindingText {
  /** "IMEI 868715392756833, high confidence, base64 → gzip → json:$.imei" */
  label: string;
  /** The tooltip: several lines. */
  title: string;
  confidence: FindingConfidence;
}

function describeFinding(f: DetailFinding): FindingText {
  const kind = kindLabel(f.kind);
  const confidence = confidenceOf(f);
  const value = visible(f.value);
  const chain = chainText(f.chain);
  const label = [`${kind.short} ${value}`, `${confidence} confidence`, ...(chain ? [chain] : [])].join(', ');
  const lines = [`${kind.name}: ${value}`, `${confidence[0].toUpperCase()}${confidence.slice(1)} confidence${f.reasons.length > 0 ? ` — ${f.reasons.map(visible).join('; ')}` : ''}`];
  if (f.matchedText && f.matchedText !== f.value) lines.push(`As it appeared: ${visible(f.matchedText)}`);
  lines.push(`In: ${sectionWhere(f.section)}${f.fieldPath ? ` · ${visible(f.fieldPath)}` : ''}`);
  if (chain) lines.push(`Decoded: ${chain}`);
  if (f.known) lines.push(`Known value: ${visible(f.known.label)}${f.known.variant ? ` (${visible(f.known.variant)})` : ''}${f.known.learned ? ', learned' : ''}`);
  if (f.detector) lines.push(`Detector: ${visible(f.detector)}`);
  return { label, title: lines.join('\n'), confidence };
}

type VscodeTabs = HTMLElementTagNameMap['vscode-tabs'];
type VscodeTabPanel = HTMLElementTagNameMap['vscode-tab-panel'];

/** One exchange on screen. */
interface View {
  detail: ExchangeDetail;
  texts: FindingText[];
  tabs: VscodeTabs;
  panels: VscodeTabPanel[];
  /** Tabs whose content exists (they are built when first shown). */
  rendered: Set<DetailTabId>;
  /** Layer elements by "section/field/layer", for revealing a finding's place. */
  layers: Map<string, HTMLElement>;
  /** Section elements by id (the fallback target when a finding has no place). */
  sections: Map<string, HTMLElement>;
  findingButtons: HTMLButtonElement[];
  /** The other buttons of each finding's line (copy, judge), which follow its roving tab stop. */
  findingExtras: HTMLButtonElement[][];
  /** The annotations section on screen, replaced when the annotations change. */
  annotations: HTMLElement | undefined;
  /** The finding last revealed or picked, -1 for none. */
  current: number;
}

export class DetailPane {
  readonly element: HTMLElement;
  private view: View | undefined;
  private tab: DetailTabId;
  private revealToken = 0;
  private readonly flashTimers = new Map<HTMLElement, ReturnType<typeof setTimeout>>();
  private annotations: readonly AnnotationView[] = [];
  private writable = true;
  /** The exchange on screen, loading or failed; undefined while empty. */
  private exchangeShown: number | undefined;
  /** Where the focus goes back to when the pane is rendered again (see restoreFocus). */
  private focusWish: { exchangeId: number; target: FocusTarget } | undefined;

  constructor(
    private readonly actions: DetailActions,
    initial: DetailState | undefined,
    private readonly onStateChange: (s: DetailState) => void,
  ) {
    const saved = initial?.tab;
    this.tab = DETAIL_TABS.find((t) => t.id === saved)?.id ?? 'overview';
    this.element = h('section', { class: 'detail-pane', attrs: { 'aria-label': 'Request detail' } });
    // One listener for every highlight of every layer: click or Enter picks its finding.
    this.element.addEventListener('click', (event) => this.onHighlightEvent(event));
    this.element.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' || event.key === ' ') this.onHighlightEvent(event);
    });
    // A focus wish lasts until the researcher presses a key or clicks: the focus is theirs then.
    const forget = () => (this.focusWish = undefined);
    document.addEventListener('keydown', forget, true);
    document.addEventListener('pointerdown', forget, true);
    this.showEmpty();
  }

  /**
   * Put the keyboard focus on `target` (now unless `now` is false), and again whenever the pane
   * renders its exchange anew, until the researcher presses a key or clicks; only while the focus
   * is lost (on the body) or inside the pane. False when no exchange is shown.
   */
  restoreFocus(target: FocusTarget, now = true): boolean {
    const exchangeId = this.exchangeShown;
    if (exchangeId === undefined) return false;
    this.focusWish = { exchangeId, target };
    if (now) this.applyFocusWish();
    return true;
  }

  /** The shown exchange changed: a focus wish for another one is dropped. */
  private setShown(exchangeId: number | undefined): void {
    this.exchangeShown = exchangeId;
    if (this.focusWish && this.focusWish.exchangeId !== exchangeId) this.focusWish = undefined;
  }

  private applyFocusWish(): void {
    const wish = this.focusWish;
    const view = this.view;
    if (!wish || !view || view.detail.id !== wish.exchangeId || !focusIsFree(this.element)) return;
    const target = this.focusTargetOf(view, wish.target);
    focusWhenReady(target, () => this.view === view && this.focusWish === wish && focusIsFree(this.element));
  }

  /** The element standing for `target` in `view`, or the nearest equivalent. */
  private focusTargetOf(view: View, target: FocusTarget): HTMLElement {
    if ('finding' in target) {
      const index = view.detail.findings.findIndex((f) => f.key === target.finding);
      const at = index >= 0 ? index : Math.max(0, view.current);
      const button = view.findingButtons[at];
      if (button) {
        this.setRoving(view, at);
        return button;
      }
    } else if ('annotation' in target) {
      const card = [...(view.annotations?.querySelectorAll<HTMLElement>('.annotation-card') ?? [])].find((c) => c.dataset.annotation === target.annotation);
      const edit = card?.querySelector<HTMLElement>('.annotation-edit:not([disabled])');
      if (edit) return edit;
    }
    if (view.annotations && !('finding' in target)) {
      view.annotations.tabIndex = -1;
      return view.annotations;
    }
    this.element.tabIndex = -1;
    return this.element;
  }

  /** The state to store: the current tab. */
  get state(): DetailState {
    return { tab: this.tab };
  }

  /** The exchange shown, undefined while empty, loading or failed. */
  get exchangeId(): number | undefined {
    return this.view?.detail.id;
  }

  /** The capture's annotations changed (or first came): the pane lists those about its exchange. */
  setAnnotations(annotations: readonly AnnotationView[], writable: boolean): void {
    this.annotations = annotations;
    this.writable = writable;
    const view = this.view;
    if (!view) return;
    const section = this.renderAnnotations(view.detail.id);
    if (view.annotations) view.annotations.replaceWith(...(section ? [section] : []));
    else if (section) this.element.querySelector('.detail-head')?.after(section);
    view.annotations = section;
    this.applyFocusWish();
  }

  /** Reveal the finding with this key (see DetailFinding.key); false when the exchange has none. */
  focusFindingByKey(key: string): boolean {
    const index = this.view?.detail.findings.findIndex((f) => f.key === key) ?? -1;
    if (index < 0) return false;
    this.focusFinding(index);
    return true;
  }

  private renderAnnotations(exchangeId: number): HTMLElement | undefined {
    const about = this.annotations.filter((a) => a.exchangeIds.includes(exchangeId));
    if (about.length === 0) return undefined;
    return renderAnnotationCards(about, {
      writable: this.writable,
      edit: (id) => this.actions.editAnnotation(id),
      remove: (a) => this.actions.deleteAnnotation(a),
    });
  }

  showEmpty(): void {
    this.clear();
    this.setShown(undefined);
    this.element.replaceChildren(
      h('div', { class: 'detail-message detail-empty' }, icon('inspect'), h('span', {}, 'Select a request to see its headers, bodies and the identifiers found in them.')),
    );
    this.element.setAttribute('aria-busy', 'false');
  }

  showLoading(exchangeId: number): void {
    this.clear();
    this.setShown(exchangeId);
    const ring = document.createElement('vscode-progress-ring');
    ring.className = 'detail-ring';
    this.element.replaceChildren(h('div', { class: 'detail-message detail-loading', attrs: { role: 'status' } }, ring, h('span', {}, `Loading request #${exchangeId}…`)));
    this.element.setAttribute('aria-busy', 'true');
  }

  showError(exchangeId: number, message: string): void {
    this.clear();
    this.setShown(exchangeId);
    this.element.replaceChildren(
      h(
        'div',
        { class: 'detail-message detail-error', attrs: { role: 'alert' } },
        icon('error'),
        h('span', {}, `Request #${exchangeId} could not be shown: `, h('span', { class: 'detail-error-text' }, visible(message))),
      ),
    );
    this.element.setAttribute('aria-busy', 'false');
  }

  show(detail: ExchangeDetail): void {
    this.clear();
    this.setShown(detail.id);
    const texts = detail.findings.map(describeFinding);
    const tabs = document.createElement('vscode-tabs');
    tabs.className = 'detail-tabs';
    letTabHeadersWrap(tabs);
    const view: View = {
      detail,
      texts,
      tabs,
      panels: [],
      rendered: new Set(),
      layers: new Map(),
      sections: new Map(),
      findingButtons: [],
      findingExtras: [],
      annotations: undefined,
      current: -1,
    };
    this.view = view;

    const counts = this.countByTab(detail);
    for (const def of DETAIL_TABS) {
      const header = document.createElement('vscode-tab-header');
      header.className = 'detail-tab-header';
      header.dataset.tab = def.id;
      header.append(def.label);
      const count = counts.get(def.id);
      if (count) {
        header.append(
          h('span', { class: `detail-tab-count confidence-${count.confidence}`, attrs: { slot: 'content-after', 'aria-hidden': 'true' } }, formatCount(count.n)),
        );
        header.setAttribute('aria-label', `${def.label}, ${plural(count.n, 'finding')}`);
        header.title = `${plural(count.n, 'finding')} (${count.confidence} confidence at best)`;
      }
      if (def.id !== 'overview' && !def.sections.some((s) => detail.sections.some((d) => d.id === s.id))) header.classList.add('detail-tab-empty');
      const panel = document.createElement('vscode-tab-panel');
      panel.className = 'detail-tab-panel';
      panel.dataset.tab = def.id;
      view.panels.push(panel);
      tabs.append(header, panel);
    }
    const index = Math.max(0, DETAIL_TABS.findIndex((t) => t.id === this.tab));
    tabs.selectedIndex = index;
    this.renderTab(view, DETAIL_TABS[index].id);
    tabs.addEventListener('vsc-tabs-select', (event) => {
      const def = DETAIL_TABS[event.detail.selectedIndex];
      if (!def || this.view !== view) return;
      this.renderTab(view, def.id);
      this.setTab(def.id);
    });

    view.annotations = this.renderAnnotations(detail.id);
    this.element.replaceChildren(
      this.renderHead(detail),
      ...(view.annotations ? [view.annotations] : []),
      ...(detail.findings.length > 0 ? [this.renderFindings(view)] : []),
      tabs,
    );
    this.element.setAttribute('aria-busy', 'false');
    this.applyFocusWish();
  }

  /**
   * Reveal finding `index`: switch to the tab holding its first place, scroll its highlight into
   * view and flash it. With `moveFocus`, the highlight also takes the keyboard focus (the findings
   * list does this; a caller elsewhere, such as the table, keeps its focus).
   */
  focusFinding(index: number, moveFocus = false): void {
    const view = this.view;
    const finding = view?.detail.findings[index];
    if (!view || !finding) return;
    this.setCurrent(view, index, false);
    const tab = tabOfSection(finding.section);
    this.selectTab(view, tab);
    const token = ++this.revealToken;
    void this.tabShown(view).then(() => {
      if (token !== this.revealToken || this.view !== view) return;
      const target = this.findTarget(view, index, finding);
      if (!target) return;
      target.scrollIntoView({ block: 'center', inline: 'nearest' });
      this.flash(target);
      if (moveFocus) target.focus({ preventScroll: true });
    });
  }

  // Tabs

  private setTab(tab: DetailTabId): void {
    if (tab === this.tab) return;
    this.tab = tab;
    this.onStateChange({ tab });
  }

  private selectTab(view: View, tab: DetailTabId): void {
    const index = DETAIL_TABS.findIndex((t) => t.id === tab);
    this.renderTab(view, tab);
    if (view.tabs.selectedIndex !== index) view.tabs.selectedIndex = index;
    this.setTab(tab);
  }

  /** Resolves once the selected panel is laid out (Lit reflects `hidden` in its next update). */
  private async tabShown(view: View): Promise<void> {
    await view.tabs.updateComplete;
    await Promise.all(view.panels.map((p) => p.updateComplete));
    await new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));
  }

  private countByTab(detail: ExchangeDetail): Map<DetailTabId, { n: number; confidence: FindingConfidence }> {
    const counts = new Map<DetailTabId, { n: number; confidence: FindingConfidence }>();
    // Judged findings are left out of the views: the tabs count only those still to look at.
    for (const f of detail.findings) {
      if (f.judged) continue;
      const tab = tabOfSection(f.section);
      const confidence = confidenceOf(f);
      const c = counts.get(tab);
      if (!c) counts.set(tab, { n: 1, confidence });
      else {
        c.n++;
        if (CONFIDENCE_RANK[confidence] > CONFIDENCE_RANK[c.confidence]) c.confidence = confidence;
      }
    }
    return counts;
  }

  private renderTab(view: View, tab: DetailTabId): void {
    if (view.rendered.has(tab)) return;
    view.rendered.add(tab);
    const index = DETAIL_TABS.findIndex((t) => t.id === tab);
    const def = DETAIL_TABS[index];
    const panel = view.panels[index];
    const content = h('div', { class: 'detail-tab-content' });
    if (def.id === 'overview') content.append(this.renderOverview(view.detail.overview));
    for (const s of def.sections) {
      const section = view.detail.sections.find((d) => d.id === s.id);
      content.append(section ? this.renderSection(view, section) : this.renderMissingSection(s.missing));
    }
    panel.replaceChildren(content);
  }

  // Head: request line and actions

  private renderHead(detail: ExchangeDetail): HTMLElement {
    const o = detail.overview;
    const url = visible(o.url);
    const status = o.status === null ? 'no response' : `${o.status}`;
    const statusClass = o.status === null ? 'status-none' : `status-${Math.floor(o.status / 100)}xx`;
    const toolbar = h(
      'div',
      { class: 'detail-toolbar', attrs: { role: 'toolbar', 'aria-label': 'Request actions' } },
      iconButton('link', 'Copy URL', () => this.actions.copy({ what: 'url', exchangeId: detail.id })),
      iconButton('terminal', 'Copy as curl (POSIX shell)', () => this.actions.copy({ what: 'curl', exchangeId: detail.id })),
      iconButton('go-to-file', 'Reveal in raw text (the capture file, at this entry)', () => this.actions.reveal(detail.id)),
    );
    return h(
      'div',
      { class: 'detail-head' },
      h(
        'div',
        { class: 'detail-request-line', title: `${visible(o.method)} ${url}` },
        o.secure ? null : icon('unlock', 'plain HTTP'),
        h('span', { class: 'detail-method' }, visible(o.method)),
        h('span', { class: 'detail-url' }, url),
        h('span', { class: `detail-status ${statusClass}` }, status),
      ),
      toolbar,
    );
  }

  // Findings list

  private renderFindings(view: View): HTMLElement {
    const { detail, texts } = view;
    const judged = detail.findings.filter((f) => f.judged).length;
    const list = h('ul', {
      class: 'detail-findings-list',
      attrs: { 'aria-label': `Findings in this request (${formatCount(detail.findings.length - judged)}${judged > 0 ? `, and ${formatCount(judged)} judged` : ''})` },
    });
    detail.findings.forEach((f, i) => {
      const t = texts[i];
      const where = `${sectionWhere(f.section)}${f.fieldPath ? ` · ${visible(f.fieldPath)}` : ''}`;
      const chain = chainText(f.chain);
      const known = f.known ? `${visible(f.known.label)}${f.known.variant ? ` (${visible(f.known.variant)})` : ''}` : '';
      const placed = f.places.length > 0;
      const button = h(
        'button',
        {
          class: 'detail-finding-main',
          title: t.title,
          attrs: {
            type: 'button',
            tabindex: i === 0 ? '0' : '-1',
            'aria-label': `${t.label}; in ${where}${known ? `; known value ${known}` : ''}${placed ? '' : '; not highlighted'}`,
          },
        },
        kindBadge({ kind: f.kind, confidence: t.confidence, count: 1 }),
        h('span', { class: 'detail-finding-value' }, visible(f.value)),
        h(
          'span',
          { class: 'detail-finding-meta' },
          h('span', { class: 'detail-finding-where' }, where),
          chain ? h('span', { class: 'detail-finding-chain' }, chain) : null,
          known ? h('span', { class: 'detail-finding-known' }, icon('tag'), known) : null,
          placed ? null : h('span', { class: 'detail-finding-unplaced' }, 'not highlighted'),
        ),
      );
      button.addEventListener('click', () => this.focusFinding(i, true));
      const copy = iconButton('copy', `Copy value ${visible(f.value)}`, () => this.actions.copy({ what: 'finding', exchangeId: detail.id, finding: i }), 'detail-finding-copy');
      const item = h('li', { class: `detail-finding confidence-${t.confidence}${f.judged ? ' detail-finding-judged' : ''}` }, button, copy);
      const extras = [copy];
      if (f.judged) {
        const words = own(JUDGEMENT_WORDS, f.judged.judgement) ? JUDGEMENT_WORDS[f.judged.judgement] : JUDGEMENT_WORDS['false-positive'];
        const undo = h('button', { class: 'detail-text-button', attrs: { type: 'button' } }, icon('discard'), 'Undo judgement');
        undo.disabled = !this.writable;
        undo.addEventListener('click', () => {
          // The pane is built again once the host rescans: the focus comes back to this finding.
          this.restoreFocus({ finding: f.key }, false);
          undo.disabled = true;
          this.actions.judge(detail.id, f.key, null, '').catch((err: unknown) => {
            this.focusWish = undefined;
            undo.disabled = false;
            undo.focus();
            note.append(h('span', { class: 'detail-judge-error', attrs: { role: 'alert' } }, ` ${visible(err instanceof Error ? err.message : String(err))}`));
          });
        });
        const note = h(
          'div',
          { class: 'detail-finding-judgement' },
          icon(words.icon),
          h('span', { class: 'detail-judgement-label' }, `${words.done}${f.judged.reason ? ':' : ''}`),
          f.judged.reason ? h('span', { class: 'detail-judgement-reason' }, visible(f.judged.reason)) : null,
          undo,
        );
        item.append(note);
        extras.push(undo);
        button.setAttribute('aria-label', `${button.getAttribute('aria-label') ?? ''}; judged ${words.done.toLowerCase()}${f.judged.reason ? `: ${visible(f.judged.reason)}` : ''}`);
      } else {
        for (const judgement of ['false-positive', 'expected'] as const) {
          const judge = iconButton(JUDGEMENT_WORDS[judgement].icon, JUDGEMENT_WORDS[judgement].label, () => this.openJudgeForm(item, detail.id, f, judgement), 'detail-finding-judge');
          judge.disabled = !this.writable;
          extras.push(judge);
          item.insertBefore(judge, copy);
        }
      }
      for (const b of extras) b.tabIndex = i === 0 ? 0 : -1;
      view.findingButtons.push(button);
      view.findingExtras.push(extras);
      list.append(item);
    });
    // One tab stop for the list: arrows move between findings (roving tabindex).
    list.addEventListener('keydown', (event) => {
      const at = view.findingButtons.indexOf(event.target as HTMLButtonElement);
      if (at < 0) return;
      let next = -1;
      if (event.key === 'ArrowDown') next = Math.min(at + 1, view.findingButtons.length - 1);
      else if (event.key === 'ArrowUp') next = Math.max(at - 1, 0);
      else if (event.key === 'Home') next = 0;
      else if (event.key === 'End') next = view.findingButtons.length - 1;
      if (next < 0) return;
      event.preventDefault();
      this.setRoving(view, next);
      view.findingButtons[next].focus();
    });
    return h(
      'section',
      { class: 'detail-findings', attrs: { 'aria-label': 'Findings' } },
      h(
        'h2',
        { class: 'detail-findings-title' },
        icon('shield'),
        plural(detail.findings.length - judged, 'finding'),
        judged > 0 ? h('span', { class: 'detail-dim' }, ` (and ${formatCount(judged)} judged)`) : null,
      ),
      list,
    );
  }

  /** A small form under the finding asking why; the judgement is saved when confirmed. */
  private openJudgeForm(item: HTMLElement, exchangeId: number, f: DetailFinding, judgement: Judgement): void {
    item.querySelector('.detail-judge-form')?.remove();
    const words = JUDGEMENT_WORDS[judgement];
    const reason = document.createElement('vscode-textfield');
    reason.className = 'detail-judge-reason';
    reason.label = words.question;
    reason.placeholder = words.question;
    reason.maxlength = MAX_REASON_LENGTH;
    const confirm = document.createElement('vscode-button');
    confirm.textContent = judgement === 'false-positive' ? 'Mark false positive' : 'Mark expected';
    const cancel = document.createElement('vscode-button');
    cancel.secondary = true;
    cancel.textContent = 'Cancel';
    const error = h('span', { class: 'detail-judge-error', attrs: { role: 'alert' } });
    const form = h(
      'div',
      { class: 'detail-judge-form', attrs: { role: 'group', 'aria-label': `${words.label.replace('…', '')}: ${kindLabel(f.kind).name} ${visible(f.value)}` } },
      h('span', { class: 'detail-judge-question', attrs: { 'aria-hidden': 'true' } }, words.question),
      reason,
      confirm,
      cancel,
      error,
    );
    const back = item.querySelector<HTMLElement>('.detail-finding-main');
    const close = () => {
      form.remove();
      back?.focus();
    };
    let busy = false;
    const submit = () => {
      if (busy) return;
      busy = true;
      confirm.toggleAttribute('disabled', true);
      error.textContent = '';
      // On success the host rescans and the pane shows the exchange again, judged, the focus on it.
      this.restoreFocus({ finding: f.key }, false);
      this.actions.judge(exchangeId, f.key, judgement, reason.value.slice(0, MAX_REASON_LENGTH)).catch((err: unknown) => {
        this.focusWish = undefined;
        busy = false;
        confirm.toggleAttribute('disabled', false);
        error.textContent = visible(err instanceof Error ? err.message : String(err));
      });
    };
    confirm.addEventListener('click', submit);
    cancel.addEventListener('click', close);
    form.addEventListener('keydown', (event) => {
      event.stopPropagation(); // the list's arrow keys are not for the form
      if (event.key === 'Enter') {
        event.preventDefault();
        submit();
      } else if (event.key === 'Escape') {
        event.preventDefault();
        close();
      }
    });
    item.append(form);
    reason.focus();
  }

  private setRoving(view: View, index: number): void {
    view.findingButtons.forEach((b, i) => {
      b.tabIndex = i === index ? 0 : -1;
      for (const extra of view.findingExtras[i] ?? []) extra.tabIndex = i === index ? 0 : -1;
    });
  }

  /** Mark finding `index` as the current one in the list (and scroll the list to it). */
  private setCurrent(view: View, index: number, scrollList: boolean): void {
    if (view.current >= 0) view.findingButtons[view.current]?.removeAttribute('aria-current');
    view.current = index;
    const button = view.findingButtons[index];
    if (!button) return;
    button.setAttribute('aria-current', 'true');
    this.setRoving(view, index);
    if (scrollList) button.scrollIntoView({ block: 'nearest' });
  }

  private onHighlightEvent(event: Event): void {
    const view = this.view;
    const mark = (event.target as Element | null)?.closest?.('mark.detail-hl');
    if (!view || !(mark instanceof HTMLElement)) return;
    const index = Number(mark.dataset.finding);
    if (!Number.isInteger(index) || !view.detail.findings[index]) return;
    if (event instanceof KeyboardEvent) event.preventDefault();
    this.setCurrent(view, index, true);
  }

  private findTarget(view: View, index: number, finding: DetailFinding): HTMLElement | undefined {
    for (const place of finding.places) {
      const layer = view.layers.get(`${finding.section}/${place.field}/${place.layer}`);
      if (!layer) continue;
      const mark = layer.querySelector<HTMLElement>(`mark[data-finding="${index}"]`);
      return mark ?? layer;
    }
    return view.sections.get(finding.section);
  }

  private flash(el: HTMLElement): void {
    const old = this.flashTimers.get(el);
    if (old !== undefined) clearTimeout(old);
    el.classList.remove('detail-flash');
    void el.offsetWidth; // restart the animation
    el.classList.add('detail-flash');
    this.flashTimers.set(
      el,
      setTimeout(() => {
        el.classList.remove('detail-flash');
        this.flashTimers.delete(el);
      }, FLASH_MS),
    );
  }

  private clear(): void {
    this.revealToken++;
    for (const timer of this.flashTimers.values()) clearTimeout(timer);
    this.flashTimers.clear();
    this.view = undefined;
  }

  // Overview

  private renderOverview(o: DetailOverview): HTMLElement {
    const list = h('dl', { class: 'detail-facts' });
    const add = (name: string, ...value: (Node | string)[]) => list.append(h('dt', {}, name), h('dd', {}, ...value));
    add('Request', h('span', { class: 'detail-mono' }, `${visible(o.method)} ${visible(o.url)}${o.httpVersion ? ` ${visible(o.httpVersion)}` : ''}`));
    add('Status', o.status === null ? h('span', { class: 'detail-dim' }, 'No response in the capture') : `${o.status}${o.statusText ? ` ${visible(o.statusText)}` : ''}`);
    add(
      'Connection',
      o.secure ? h('span', { class: 'detail-secure' }, icon('lock'), ' TLS') : h('span', { class: 'detail-insecure' }, icon('unlock'), ' Plain HTTP — readable on the network path'),
    );
    if (o.remoteAddress) add('Remote address', h('span', { class: 'detail-mono' }, visible(o.remoteAddress)));
    if (o.tlsSni) add('TLS server name', h('span', { class: 'detail-mono' }, visible(o.tlsSni)));
    if (o.startedDateTime) add('Started', visible(o.startedDateTime));
    add('Duration', formatMs(o.durationMs));
    if (o.timings.length > 0) add('Timing', this.renderTimings(o.timings));
    if (o.origin) add('In the file', visible(o.origin));
    for (const extra of o.extras) add(visible(extra.name), visible(extra.value));
    return h('section', { class: 'detail-section detail-overview', attrs: { 'aria-label': 'Overview' } }, list);
  }

  /** Phases as a small waterfall: each bar starts where the previous ended. */
  private renderTimings(timings: DetailOverview['timings']): HTMLElement {
    const phases = timings.map((t) => ({ phase: visible(t.phase), ms: Number.isFinite(t.ms) && t.ms > 0 ? t.ms : 0 }));
    const total = phases.reduce((sum, p) => sum + p.ms, 0);
    const table = h('div', { class: 'detail-timings', attrs: { role: 'table', 'aria-label': 'Timing phases' } });
    let start = 0;
    for (const p of phases) {
      const bar = h('span', { class: `detail-timing-bar phase-${/^[a-z]+$/.test(p.phase) ? p.phase : 'other'}` });
      // CSSOM, not a style attribute: the CSP allows it, and the numbers are ours.
      bar.style.marginLeft = total > 0 ? `${(start / total) * 100}%` : '0';
      bar.style.width = total > 0 ? `${(p.ms / total) * 100}%` : '0';
      start += p.ms;
      table.append(
        h(
          'div',
          { class: 'detail-timing', attrs: { role: 'row' } },
          h('span', { class: 'detail-timing-phase', attrs: { role: 'cell' } }, p.phase),
          h('span', { class: 'detail-timing-track', attrs: { 'aria-hidden': 'true' } }, bar),
          h('span', { class: 'detail-timing-ms', attrs: { role: 'cell' } }, formatMs(p.ms)),
        ),
      );
    }
    return table;
  }

  // Sections, fields, layers

  private renderMissingSection(title: string): HTMLElement {
    return h('section', { class: 'detail-section detail-section-missing' }, h('h3', { class: 'detail-section-title' }, title), h('p', { class: 'detail-none' }, 'none'));
  }

  private renderSection(view: View, section: DetailSection): HTMLElement {
    const body = BODY_SECTIONS.has(section.id);
    const el = h('section', { class: `detail-section${body ? ' detail-section-body' : ''}`, attrs: { 'aria-label': visible(section.title) } });
    view.sections.set(section.id, el);
    el.append(h('h3', { class: 'detail-section-title' }, visible(section.title), section.fields.length > 1 ? h('span', { class: 'detail-dim' }, ` (${formatCount(section.fields.length)})`) : null));
    for (const note of section.notes) el.append(h('p', { class: 'detail-note' }, icon('info'), h('span', {}, visible(note))));
    if (section.fields.length === 0) {
      if (section.notes.length === 0) el.append(h('p', { class: 'detail-none' }, 'none'));
      return el;
    }
    const fields = h('div', { class: body ? 'detail-body-fields' : 'detail-fields' });
    section.fields.forEach((field, i) => fields.append(this.renderField(view, section.id, body, field, i)));
    el.append(fields);
    return el;
  }

  private renderField(view: View, section: DetailSectionId, body: boolean, field: DetailField, fieldIndex: number): DocumentFragment | HTMLElement {
    const layers = field.layers.map((layer, i) => this.renderLayer(view, section, body, fieldIndex, layer, i));
    if (body) return h('div', { class: 'detail-field detail-body-field' }, ...layers);
    const name = visible(field.name);
    const fragment = document.createDocumentFragment();
    fragment.append(
      h('div', { class: 'detail-field-name', title: name }, name || h('span', { class: 'detail-dim' }, '(no name)')),
      h('div', { class: 'detail-field-value' }, ...layers),
    );
    return fragment;
  }

  private renderLayer(view: View, section: DetailSectionId, body: boolean, fieldIndex: number, layer: DetailLayer, layerIndex: number): HTMLElement {
    const decoded = layerIndex > 0;
    const viewKind = own(VIEW_LABELS, layer.view) ? layer.view : 'text';
    const el = h('div', { class: `detail-layer${decoded ? ' detail-layer-decoded' : ''}` });
    if (decoded) el.style.setProperty('--detail-depth', String(Math.min(layerIndex, 4)));
    // Bodies and decoded values can be copied whole (a header's raw value is short enough to select).
    const copy =
      body || decoded
        ? iconButton(
            'copy',
            decoded ? `Copy decoded value (${chainText(layer.chain)})` : 'Copy raw body',
            () => this.actions.copy({ what: 'layer', exchangeId: view.detail.id, section, field: fieldIndex, layer: layerIndex }),
            'detail-layer-copy',
          )
        : null;
    if (copy) {
      el.append(
        h(
          'div',
          { class: 'detail-layer-caption' },
          icon(decoded ? 'arrow-small-right' : viewKind === 'hex' ? 'file-binary' : 'file'),
          h('span', { class: 'detail-layer-chain' }, decoded ? chainText(layer.chain) : 'raw'),
          h('span', { class: 'detail-layer-view' }, VIEW_LABELS[viewKind]),
          copy,
        ),
      );
    }
    const multiline = body || decoded || viewKind !== 'text';
    const pre = h('pre', { class: `detail-text view-${viewKind}${body ? ' detail-text-body' : ''}` });
    pre.append(this.renderHighlighted(view, layer, multiline));
    el.append(pre);
    if (layer.truncated) el.append(h('p', { class: 'detail-truncated' }, icon('warning'), h('span', {}, visible(layer.truncated))));
    view.layers.set(`${section}/${fieldIndex}/${layerIndex}`, el);
    return el;
  }

  /** The text split at its highlights: plain pieces as text nodes, highlights as <mark>s. */
  private renderHighlighted(view: View, layer: DetailLayer, multiline: boolean): DocumentFragment {
    const text = layer.text;
    const fragment = document.createDocumentFragment();
    let at = 0;
    for (const hl of layer.highlights) {
      // The host promises sorted, non-overlapping, in-range highlights; a bad one is skipped, not trusted.
      const start = Math.max(hl.start, at);
      const end = Math.min(hl.end, text.length);
      const t = view.texts[hl.finding];
      if (!Number.isInteger(start) || !Number.isInteger(end) || end <= start || !t) continue;
      if (start > at) fragment.append(document.createTextNode(visibleText(text.slice(at, start), multiline)));
      const mark = document.createElement('mark');
      mark.className = `detail-hl confidence-${t.confidence}`;
      mark.dataset.finding = String(hl.finding);
      // Reached through the findings list (which focuses it), not one Tab stop per highlight.
      mark.tabIndex = -1;
      mark.title = t.title;
      mark.setAttribute('aria-label', t.label);
      mark.textContent = visibleText(text.slice(start, end), multiline);
      fragment.append(mark);
      at = end;
    }
    if (at < text.length) fragment.append(document.createTextNode(visibleText(text.slice(at), multiline)));
    if (text.length === 0) fragment.append(h('span', { class: 'detail-dim' }, '(empty)'));
    return fragment;
  }
}
