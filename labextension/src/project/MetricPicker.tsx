import * as React from 'react';
import { Button } from '@jupyterlab/ui-components';
import { MetricStat } from '../settings';
import { useTrans } from '../i18n';
import { Table } from '../components/Table';
import { hasMetricColumn, toggleMetricColumn } from '../runcolumns';

const STATS: MetricStat[] = ['last', 'min', 'max'];

/**
 * Which metric columns the Runs table shows: a tag × last/min/max grid of checkboxes. The choice
 * is the `metricColumns` setting (saved in the setting registry, so the Settings Editor shows it
 * too); none chosen means the newest run's first three tags.
 */
export function MetricPicker(props: {
  tags: string[];
  /** The columns shown now (the user's choice, or the default). */
  shown: string[];
  /** Whether `shown` is the user's choice rather than the default. */
  chosen: boolean;
  onChange: (columns: string[]) => void;
}): JSX.Element {
  const { tags, shown } = props;
  const trans = useTrans();
  return (
    <details className="bk-metric-picker">
      <summary className="bk-metric-picker-button" title={trans.__('Choose the metric columns')}>
        {trans.__('Metrics')}
      </summary>
      <div className="bk-metric-picker-body">
        {!tags.length ? (
          <div className="bk-muted">{trans.__('No run has metrics yet.')}</div>
        ) : (
          <Table headers={[trans.__('Tag'), ...STATS]}>
            {tags.map(t => (
              <tr key={t} data-tag={t}>
                <td>{t}</td>
                {STATS.map(s => (
                  <td key={s}>
                    <input
                      type="checkbox"
                      data-stat={s}
                      aria-label={`${t} ${s}`}
                      checked={hasMetricColumn(shown, t, s)}
                      onChange={e => props.onChange(toggleMetricColumn(shown, t, s, e.target.checked))}
                    />
                  </td>
                ))}
              </tr>
            ))}
          </Table>
        )}
        <div className="bk-form-actions">
          <span className="bk-muted">
            {props.chosen ? trans.__('Your choice') : trans.__("Default: the newest run's first three tags")}
          </span>
          {props.chosen && (
            <Button small minimal className="bk-metric-reset" onClick={() => props.onChange([])}>
              {trans.__('Default')}
            </Button>
          )}
        </div>
      </div>
    </details>
  );
}
