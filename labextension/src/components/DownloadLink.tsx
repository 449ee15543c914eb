import * as React from 'react';

/** A link styled as a small button that downloads `href` (as `fileName` when given). */
export function DownloadLink(props: {
  href: string;
  fileName?: string;
  title?: string;
  children: React.ReactNode;
}): JSX.Element {
  return (
    <a className="bk-link-button" href={props.href} download={props.fileName ?? true} title={props.title}>
      {props.children}
    </a>
  );
}
