import * as React from 'react';
import { IEnergy } from '../api';
import { useTrans } from '../i18n';
import { energyCell, EnergyField } from '../runcolumns';

const PARTS: { field: EnergyField; key: string }[] = [
  { field: 'gpu_wh', key: 'gpu' },
  { field: 'cpu_wh', key: 'cpu' },
  { field: 'cost', key: 'cost' }
];

/** "GPU 12.3 Wh · CPU — · cost 0.45 EUR": a missing value is "—" with the server's reason on hover. */
export function EnergyFacts(props: { energy: IEnergy | null | undefined }): JSX.Element {
  const trans = useTrans();
  const labels: Record<string, string> = {
    gpu: trans.__('GPU'),
    cpu: trans.__('CPU'),
    cost: trans.__('cost')
  };
  return (
    <span className="bk-energy-facts">
      {PARTS.map(({ field, key }, i) => {
        const cell = energyCell(props.energy, field);
        const missing = cell.text === '—';
        return (
          <React.Fragment key={key}>
            {i > 0 && ' · '}
            <span
              className={'bk-energy-part' + (missing ? ' bk-energy-missing' : '')}
              data-energy={key}
              title={cell.title || undefined}
            >
              {labels[key]} <span className="bk-energy-value">{cell.text}</span>
            </span>
          </React.Fragment>
        );
      })}
    </span>
  );
}
