// `ng build` builds every entry of the UI (the practitioner's app and the patient's light entry),
// each an ordinary @angular/build:application target of the project, so that `ng build`,
// `npm start` and the tests keep one command. Architect runs one target per `ng build`
// (https://angular.dev/reference/configs/workspace-config, "Alternate build configurations"
// covers options, not several entry points); this builder schedules the listed targets in
// order (the panel's build empties dist/ui first, the patient's then writes inside it) and
// reports one result. In watch mode every target keeps watching and each rebuild is reported.
const { createBuilder } = require('@angular-devkit/architect');
const { Observable, skip } = require('rxjs');

module.exports = createBuilder((options, context) =>
  new Observable((subscriber) => {
    const runs = [];
    const overrides = {};
    if (options.watch !== undefined) overrides.watch = options.watch;
    if (options.progress !== undefined) overrides.progress = options.progress;
    const project = context.target?.project;
    const configuration = context.target?.configuration;
    (async () => {
      for (const target of options.targets) {
        const run = await context.scheduleTarget({ project, target, configuration }, overrides);
        runs.push(run);
        const first = await run.result;
        if (!first.success) {
          subscriber.next({ ...first, success: false });
          if (!options.watch) return subscriber.complete();
        }
      }
      if (!options.watch) {
        subscriber.next({ success: true });
        return subscriber.complete();
      }
      subscriber.next({ success: true });
      for (const run of runs) run.output.pipe(skip(1)).subscribe((output) => subscriber.next(output));
    })().catch((error) => subscriber.error(error));
    return () => {
      for (const run of runs) void run.stop();
    };
  }),
);
