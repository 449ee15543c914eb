import * as React from 'react';
import { Button, caretDownIcon, caretUpIcon } from '@jupyterlab/ui-components';
import { IRun } from '../api';
import { useTrans } from '../i18n';
import { ActionLink } from '../components/ActionLink';
import { dropRequest, IMove, moveRequest } from './runsdata';

/**
 * The project's queued runs in the order they will start (priority, then first come first
 * served unless moved), each with up and down buttons and a drag handle. Moves go to the server
 * (POST /runs/{id}/move), whose queue is shared by every project; the list shows what it answers.
 */
export function RunQueue(props: {
  queue: IRun[];
  onMove: (move: IMove) => void;
  onOpen: (id: string) => void;
}): JSX.Element | null {
  const { queue, onMove } = props;
  const trans = useTrans();
  const [dragged, setDragged] = React.useState<string | null>(null);
  const [over, setOver] = React.useState<string | null>(null);
  if (!queue.length) {
    return null;
  }
  const move = (m: IMove | null) => m && onMove(m);
  return (
    <div className="bk-card bk-queue">
      <div className="bk-card-title">{trans.__('Queue (%1)', queue.length)}</div>
      <ol className="bk-queue-list">
        {queue.map((r, i) => (
          <li
            key={r.id}
            data-run={r.id}
            className={`bk-queue-item${over === r.id && dragged !== r.id ? ' bk-drop-target' : ''}`}
            draggable
            onDragStart={e => {
              setDragged(r.id);
              e.dataTransfer.effectAllowed = 'move';
              e.dataTransfer.setData('text/plain', r.id);
            }}
            onDragOver={e => {
              if (dragged) {
                e.preventDefault();
                setOver(r.id);
              }
            }}
            onDragLeave={() => setOver(o => (o === r.id ? null : o))}
            onDrop={e => {
              e.preventDefault();
              if (dragged) {
                move(dropRequest(queue, dragged, r.id));
              }
              setDragged(null);
              setOver(null);
            }}
            onDragEnd={() => {
              setDragged(null);
              setOver(null);
            }}
          >
            <span className="bk-queue-handle" title={trans.__('Drag to reorder')} aria-hidden>
              ⋮⋮
            </span>
            <span className="bk-queue-position" title={trans.__('Place in the whole queue (all projects)')}>
              #{r.queue_position ?? i + 1}
            </span>
            <ActionLink className="bk-run-link" onClick={() => props.onOpen(r.id)}>
              {r.id}
            </ActionLink>
            <span className="bk-args bk-queue-args" title={(r.args || []).join(' ')}>
              {(r.args || []).join(' ')}
            </span>
            {r.priority ? (
              <span className="bk-badge bk-queue-priority" title={trans.__('Higher priority starts first')}>
                {trans.__('priority %1', r.priority)}
              </span>
            ) : null}
            <span className="bk-queue-buttons">
              <Button
                small
                minimal
                className="bk-queue-up"
                disabled={i === 0}
                aria-label={trans.__('Move %1 up', r.id)}
                title={trans.__('Start earlier')}
                onClick={() => move(moveRequest(queue, r.id, -1))}
              >
                <caretUpIcon.react tag="span" />
              </Button>
              <Button
                small
                minimal
                className="bk-queue-down"
                disabled={i === queue.length - 1}
                aria-label={trans.__('Move %1 down', r.id)}
                title={trans.__('Start later')}
                onClick={() => move(moveRequest(queue, r.id, 1))}
              >
                <caretDownIcon.react tag="span" />
              </Button>
            </span>
          </li>
        ))}
      </ol>
    </div>
  );
}
