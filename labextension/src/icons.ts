import { LabIcon } from '@jupyterlab/ui-components';

/** A small flat bee: striped body, two wings, antennae; the body uses the accent colour. */
const BEE_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" width="16" height="16">
  <g class="jp-icon3" fill="#616161">
    <ellipse cx="8.3" cy="7.6" rx="3.6" ry="2.6" transform="rotate(-35 8.3 7.6)" opacity="0.55"/>
    <ellipse cx="15.7" cy="7.6" rx="3.6" ry="2.6" transform="rotate(35 15.7 7.6)" opacity="0.55"/>
    <path d="M10.2 5.2 8.6 2.6M13.8 5.2l1.6-2.6" stroke="#616161" stroke-width="1.2" stroke-linecap="round" fill="none"/>
  </g>
  <ellipse class="bk-icon-accent" cx="12" cy="14" rx="5" ry="6.8" fill="#f5b700"/>
  <g class="jp-icon3" fill="#616161">
    <path d="M7.3 12h9.4a5 5 0 0 1 .3 1.7H7a5 5 0 0 1 .3-1.7zM7.1 15.6h9.8a5.5 5.5 0 0 1-.6 1.8H7.7a5.5 5.5 0 0 1-.6-1.8z"/>
    <path d="M11 20.6h2L12 22.6z"/>
    <circle cx="12" cy="8" r="2.6"/>
  </g>
</svg>`;

export const beeIcon = new LabIcon({ name: 'beekeeper:bee', svgstr: BEE_SVG });
