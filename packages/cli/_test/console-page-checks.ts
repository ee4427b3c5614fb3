// Checks the console's browser tests run inside the page. They are source text, evaluated by
// playwright in the page, because the root type check has no DOM types (only the console's has).

/** What a keyboard walk finds at one stop. */
export interface FocusStop {
  /** Tag name and id of the focused element. */
  tag: string;
  /** Its accessible name (aria-label, aria-labelledby, its label, its text, its title), or ''. */
  name: string;
  /** Its outline style while focused, or 'none'. */
  outline: string;
}

/** An expression giving the focused element's FocusStop, or null when nothing is focused. */
export const focusStopScript = `(() => {
  const element = document.activeElement;
  if (!element || element === document.body) return null;
  const byIds = (element.getAttribute('aria-labelledby') || '')
    .split(/\\s+/)
    .filter((id) => id !== '')
    .map((id) => (document.getElementById(id) || {}).textContent || '')
    .join(' ');
  const labels = element.labels ? [...element.labels].map((label) => label.textContent || '').join(' ') : '';
  const own = element.tagName === 'SELECT' || element.tagName === 'INPUT' ? '' : element.innerText || '';
  const name = [element.getAttribute('aria-label') || '', byIds, labels, own, element.getAttribute('title') || '']
    .map((part) => part.trim())
    .find((part) => part !== '');
  const style = getComputedStyle(element);
  return {
    tag: element.tagName.toLowerCase() + (element.id ? '#' + element.id : ''),
    name: name || '',
    outline: style.outlineStyle === 'none' || style.outlineWidth === '0px' ? 'none' : style.outlineStyle,
  };
})()`;

/**
 * An expression listing every visible element with its own text whose colour has less than 4.5:1
 * contrast (WCAG 2 relative luminance) against its effective background (the nearest opaque one).
 */
export const lowContrastScript = `(() => {
  const parse = (colour) => {
    const parts = (colour.match(/[\\d.]+/g) || ['0', '0', '0']).map(Number);
    return [parts[0] || 0, parts[1] || 0, parts[2] || 0, parts[3] === undefined ? 1 : parts[3]];
  };
  const channel = (value) => {
    const s = value / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  const luminance = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const backgroundOf = (element) => {
    for (let current = element; current; current = current.parentElement) {
      const background = parse(getComputedStyle(current).backgroundColor);
      if (background[3] > 0.5) return background;
    }
    return [255, 255, 255, 1];
  };
  const failures = [];
  for (const element of document.querySelectorAll('body *')) {
    const hasText = [...element.childNodes].some((node) => node.nodeType === 3 && (node.textContent || '').trim() !== '');
    if (!hasText || element.offsetParent === null) continue;
    const foreground = luminance(parse(getComputedStyle(element).color));
    const background = luminance(backgroundOf(element));
    const ratio = (Math.max(foreground, background) + 0.05) / (Math.min(foreground, background) + 0.05);
    if (ratio < 4.5) failures.push(element.tagName + ' "' + (element.textContent || '').slice(0, 40) + '" ' + ratio.toFixed(2) + ':1');
  }
  return failures;
})()`;
