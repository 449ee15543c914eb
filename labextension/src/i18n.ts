/** The panel's translation bundle ('beekeeper' domain), handed to every component by context. */
import * as React from 'react';
import { nullTranslator, TranslationBundle } from '@jupyterlab/translation';

export const TransContext = React.createContext<TranslationBundle>(nullTranslator.load('beekeeper'));

export function useTrans(): TranslationBundle {
  return React.useContext(TransContext);
}
