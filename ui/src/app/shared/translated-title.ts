import { Injectable, effect, inject, signal } from '@angular/core';
import { Title } from '@angular/platform-browser';
import { TitleStrategy } from '@angular/router';
import type { RouterStateSnapshot } from '@angular/router';
import { I18n, isTranslationKey } from './i18n';
import type { TranslationKey } from './i18n';

/**
 * Sets the document title from the route's `title`, a translation key, as
 * "Page · Téléconsultation", and follows language changes. A distinct title per page lets
 * screen-reader users know where they landed (WCAG 2.4.2).
 */
@Injectable({ providedIn: 'root' })
export class TranslatedTitleStrategy extends TitleStrategy {
  private readonly i18n = inject(I18n);
  private readonly title = inject(Title);
  private readonly pageKey = signal<TranslationKey | null>(null);

  constructor() {
    super();
    effect(() => {
      const key = this.pageKey();
      const app = this.i18n.t('app.title');
      this.title.setTitle(key === null || key === 'app.title' ? app : `${this.i18n.t(key)} · ${app}`);
    });
  }

  /** Called by the router after each navigation. */
  override updateTitle(snapshot: RouterStateSnapshot): void {
    const key = this.buildTitle(snapshot);
    this.pageKey.set(key !== undefined && isTranslationKey(key) ? key : null);
  }
}
