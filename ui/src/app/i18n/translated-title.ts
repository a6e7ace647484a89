import { Injectable, effect, inject, signal } from '@angular/core';
import { Title } from '@angular/platform-browser';
import { TitleStrategy } from '@angular/router';
import type { RouterStateSnapshot } from '@angular/router';
import { I18n, isTranslationKey } from './i18n';
import type { TranslationKey } from './i18n';
import { documentTitle } from './document-title';

/**
 * Sets the document title from the route's `title`, a translation key, as
 * "Page · Téléconsultation" ({@link documentTitle}), and follows language changes.
 */
@Injectable({ providedIn: 'root' })
export class TranslatedTitleStrategy extends TitleStrategy {
  private readonly i18n = inject(I18n);
  private readonly title = inject(Title);
  private readonly pageKey = signal<TranslationKey | null>(null);

  constructor() {
    super();
    effect(() => this.title.setTitle(documentTitle(this.i18n, this.pageKey())));
  }

  /** Called by the router after each navigation. */
  override updateTitle(snapshot: RouterStateSnapshot): void {
    const key = this.buildTitle(snapshot);
    this.pageKey.set(key !== undefined && isTranslationKey(key) ? key : null);
  }
}
