/** The panel's translation bundle ('beekeeper' domain), handed to every component by context. */
import * as React from 'react';
import { nullTranslator, TranslationBundle } from '@jupyterlab/translation';
import { Translate } from './format';

export const TransContext = React.createContext<TranslationBundle>(nullTranslator.load('beekeeper'));

export function useTrans(): TranslationBundle {
  return React.useContext(TransContext);
}

/** The bundle's `__` as a plain function, for the pure helpers in format.ts and the form rules. */
export function useTranslate(): Translate {
  const trans = useTrans();
  return React.useCallback<Translate>((msg, ...args) => trans.__(msg, ...args), [trans]);
}
