/**
 * The one way state reaches React: anything with a `changed` signal and a `version` that grows on
 * each change (the model, a project page, the host metrics) is read through `useModel`, which
 * subscribes with useSyncExternalStore so a component re-renders exactly when its source changed.
 */
import * as React from 'react';
import { ISignal, Signal } from '@lumino/signaling';

export interface IObservable {
  readonly changed: ISignal<any, void>;
  /** Grows on every change: the snapshot useSyncExternalStore compares. */
  readonly version: number;
}

/** A small observable base for the model and its parts: `version` grows and `changed` fires on every change. */
export class Observable implements IObservable {
  private _version = 0;
  private _changed = new Signal<this, void>(this);

  get version(): number {
    return this._version;
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  protected emitChanged(): void {
    this._version++;
    this._changed.emit();
  }
}

export function useModel<S extends IObservable, T>(source: S, select: (source: S) => T): T {
  const subscribe = React.useCallback(
    (notify: () => void) => {
      const slot = () => notify();
      source.changed.connect(slot);
      return () => {
        source.changed.disconnect(slot);
      };
    },
    [source]
  );
  React.useSyncExternalStore(subscribe, () => source.version);
  return select(source);
}

/** The current time, ticking every `ms` while `active` (live durations of active runs). */
export function useNow(active: boolean, ms = 1000): number {
  const [now, setNow] = React.useState(() => Date.now());
  React.useEffect(() => {
    if (!active) {
      return;
    }
    setNow(Date.now());
    const timer = window.setInterval(() => setNow(Date.now()), ms);
    return () => window.clearInterval(timer);
  }, [active, ms]);
  return now;
}
