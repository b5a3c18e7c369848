import { encode } from 'uqr';
import { html, unsafeRaw, type Html } from '../http/html.ts';

/**
 * A QR code as inline SVG, drawn on our server from `uqr`'s module matrix: no image request, no
 * third party, and no inline style (the page's CSP forbids it), only presentation attributes.
 */
export function qrCodeSvg(text: string, label: string): Html {
  const { data, size } = encode(text, { ecc: 'M', border: 0 });
  const quiet = 4;
  const total = size + quiet * 2;
  let path = '';
  data.forEach((row, y) =>
    row.forEach((dark, x) => {
      if (dark) path += `M${x + quiet} ${y + quiet}h1v1h-1z`;
    }),
  );
  // The path is built from numbers only; the label goes through the escaping template.
  return html`<svg class="qr" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${total} ${total}" role="img" aria-label="${label}" shape-rendering="crispEdges" direction="ltr"><rect width="${total}" height="${total}" fill="#fff"/>${unsafeRaw(`<path fill="#000" d="${path}"/>`)}</svg>`;
}
