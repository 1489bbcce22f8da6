/**
 * What every figure does with the page's workbench (src/browser/workbench.ts),
 * as a Lit reactive controller: it subscribes and takes a share of the network
 * when the figure enters the page, re-renders the figure and tells it when the
 * network or image changes, and when the figure leaves it cancels the figure's
 * runs and gives its share back (the last figure out disposes the network).
 * A control that only shows or changes the input (the input bar) follows the
 * workbench without a share: `{ share: false }`.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { type WorkbenchState, workbench } from '../src/browser/workbench';
import type { RunSlot } from './run-slot';

export class WorkbenchLink implements ReactiveController {
  /** The workbench's state as of the last change. */
  state: WorkbenchState = workbench.state;

  /**
   * @param onChange called on every change of the workbench, after {@link state} is updated.
   * @param slots the figure's runs, aborted when it leaves the page.
   */
  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly onChange: (state: WorkbenchState) => void,
    private readonly slots: RunSlot[] = [],
    private readonly options: { share: boolean } = { share: true },
  ) {
    host.addController(this);
  }

  private readonly changed = (): void => {
    this.state = workbench.state;
    this.host.requestUpdate();
    this.onChange(this.state);
  };

  /** Subscribes and acquires. The figure computes its first view itself, after reading its own URL state. */
  hostConnected(): void {
    this.state = workbench.state;
    workbench.addEventListener('change', this.changed);
    if (this.options.share) workbench.acquire();
  }

  hostDisconnected(): void {
    for (const slot of this.slots) slot.drop();
    workbench.removeEventListener('change', this.changed);
    if (this.options.share) workbench.release();
    // The figure may render once more after it has left (cancelling its run changes its state), when the
    // network may already be disposed: from here on it sees none, until it enters a page again.
    this.state = { ...this.state, net: null };
  }
}
