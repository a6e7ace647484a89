/**
 * The accessibility check of a page as it stands: axe-core through `@axe-core/playwright`,
 * with all its rules (WCAG 2 A/AA and best practices); what it finds of serious or critical
 * impact, one line each.
 */
import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from 'playwright-core';

/**
 * The serious and critical violations on `page` now ("rule: target, …"), empty when none;
 * within `include` (a CSS selector) when given.
 */
export async function seriousViolations(page: Page, include?: string): Promise<string[]> {
  const builder = new AxeBuilder({ page });
  const results = await (include ? builder.include(include) : builder).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).slice(0, 5).join(', ')}`);
}
