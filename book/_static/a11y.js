// Accessible names of the theme's own buttons that contain their visible text (WCAG 2.5.3,
// "label in name"), set once the page is loaded; book/_ext/page_fixes.py adds this file.
(() => {
  // The search button shows "Search Ctrl+K" but is named "Search": let its text name it.
  const searchButtons = () => document.querySelectorAll('.search-button__button[aria-label]');
  // The colour-mode button shows the icon of the current mode, whose title ("Light",
  // "Dark", "System Settings") counts as its visible text: name the button with it.
  const nameModeButtons = () => {
    const mode = document.documentElement.dataset.mode || 'auto';
    document.querySelectorAll('.theme-switch-button').forEach((button) => {
      // An <i title> until Font Awesome swaps it for an <svg> holding a <title>.
      const icon = button.querySelector(`[data-mode="${mode}"]`);
      const title = icon && (icon.getAttribute('title')
                             || (icon.querySelector('title') || {}).textContent);
      button.setAttribute('aria-label', `Color mode: ${title || mode}`);
    });
  };
  // A block of code or output wider than the page scrolls sideways; a keyboard can scroll
  // it only if it can take focus (WCAG 2.1.1). The theme marks some such blocks
  // tabindex="-1": make every block that overflows focusable, and name it.
  const focusIfWide = (pre) => {
    if (pre.scrollWidth > pre.clientWidth + 1) {
      pre.setAttribute('tabindex', '0');
      if (!pre.hasAttribute('aria-label')) {
        pre.setAttribute('role', 'region');
        pre.setAttribute('aria-label', 'Wide text, scrolls sideways');
      }
    }
  };
  // A block inside a folded cell or solution has no width until it is unfolded: watch
  // each block's size, so it is checked again whenever it appears or the page reflows.
  const watch = new ResizeObserver((entries) => entries.forEach((e) => focusIfWide(e.target)));
  const focusScrollable = () => {
    document.querySelectorAll('pre').forEach((pre) => {
      focusIfWide(pre);
      watch.observe(pre);
    });
  };
  const fix = () => {
    focusScrollable();
    window.addEventListener('resize', focusScrollable);
    window.addEventListener('load', focusScrollable);  // after fonts and images
    searchButtons().forEach((button) => button.removeAttribute('aria-label'));
    nameModeButtons();
    new MutationObserver(nameModeButtons).observe(document.documentElement, {
      attributes: true,
      attributeFilter: ['data-mode'],
    });
  };
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', fix);
  } else {
    fix();
  }
})();
