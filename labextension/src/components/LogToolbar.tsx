import * as React from 'react';
import { Button } from '@jupyterlab/ui-components';
import { useTrans } from '../i18n';
import { DownloadLink } from './DownloadLink';

export interface ILogToolbarProps {
  status?: React.ReactNode;
  query: string;
  onQuery: (query: string) => void;
  hit: number;
  hits: number;
  goTo: (index: number) => void;
  follow: boolean;
  onFollow: (follow: boolean) => void;
  downloadUrl?: string;
}

/** Status, search (Enter / Shift+Enter step through matches), Follow and Download. */
export function LogToolbar(props: ILogToolbarProps): JSX.Element {
  const { query, hit, hits, follow, goTo } = props;
  const trans = useTrans();
  return (
    <div className="bk-log-toolbar">
      {props.status}
      <span className="bk-spacer" />
      <input
        className="jp-mod-styled bk-log-search"
        placeholder={trans.__('Search log')}
        value={query}
        onChange={e => props.onQuery(e.target.value)}
        onKeyDown={e => {
          if (e.key === 'Enter') {
            goTo(hit + (e.shiftKey ? -1 : 1));
          }
        }}
      />
      {query && (
        <span className="bk-muted bk-log-count">{hits ? `${hit + 1}/${hits}` : trans.__('no match')}</span>
      )}
      <Button small minimal title={trans.__('Previous match')} onClick={() => goTo(hit - 1)} disabled={!hits}>
        ↑
      </Button>
      <Button small minimal title={trans.__('Next match')} onClick={() => goTo(hit + 1)} disabled={!hits}>
        ↓
      </Button>
      <Button
        small
        className={'bk-follow' + (follow ? ' bk-active' : '')}
        title={
          follow ? trans.__('Following the end: scroll up to stop') : trans.__('Jump to the end and follow')
        }
        onClick={() => props.onFollow(!follow)}
      >
        {follow ? trans.__('Following') : trans.__('Follow')}
      </Button>
      {props.downloadUrl && (
        <DownloadLink href={props.downloadUrl} title={trans.__('Download the whole log')}>
          {trans.__('Download')}
        </DownloadLink>
      )}
    </div>
  );
}
