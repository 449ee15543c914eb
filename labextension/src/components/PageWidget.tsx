/**
 * A page of the panel in the main area (a run, Compare, All runs, a sweep, notifications, the
 * project form): each wrapped its body in the translations and set the same tab up by hand.
 */
import * as React from 'react';
import { MainAreaWidget } from '@jupyterlab/apputils';
import { ReactWidget } from '@jupyterlab/ui-components';
import { TranslationBundle } from '@jupyterlab/translation';
import { beeIcon } from '../icons';
import { TransContext } from '../i18n';

export interface IPageTab {
  /** The widget's id: the page tracker finds an open page again by it. */
  id: string;
  /** The widget's own class, e.g. "bk-run-detail-widget". */
  className: string;
  label: string;
  caption?: string;
}

/** `body` under the translations, styled like the panel, in a closable tab with the bee icon. */
export class PageWidget extends MainAreaWidget<ReactWidget> {
  constructor(trans: TranslationBundle, body: JSX.Element, tab: IPageTab) {
    const content = ReactWidget.create(<TransContext.Provider value={trans}>{body}</TransContext.Provider>);
    content.addClass('bk-page-widget'); // the panel's buttons and fields look the same here
    super({ content });
    this.id = tab.id;
    this.addClass(tab.className);
    this.title.label = tab.label;
    if (tab.caption !== undefined) {
      this.title.caption = tab.caption;
    }
    this.title.icon = beeIcon;
    this.title.closable = true;
  }
}
