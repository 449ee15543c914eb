import * as React from 'react';

/** A link that does something in the panel (opens a page) instead of navigating. */
export function ActionLink(props: {
  className?: string;
  title?: string;
  onClick: () => void;
  children: React.ReactNode;
}): JSX.Element {
  return (
    <a
      href="#"
      className={props.className}
      title={props.title}
      onClick={e => {
        e.preventDefault();
        props.onClick();
      }}
    >
      {props.children}
    </a>
  );
}
