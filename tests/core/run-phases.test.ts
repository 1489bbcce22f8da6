/** The figures' run controller (components/run-slot.ts): plain TypeScript over Lit's controller interface, tested here with a stand-in host. */
import { describe, expect, it } from 'vitest';
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { type Holdable, RunPhases } from '../../components/run-slot';

function host() {
  const controllers: ReactiveController[] = [];
  let updates = 0;
  const h: ReactiveControllerHost & { updates: () => number; disconnect: () => void } = {
    addController: (c) => void controllers.push(c),
    removeController: () => undefined,
    requestUpdate: () => void updates++,
    updateComplete: Promise.resolve(true),
    updates: () => updates,
    disconnect: () => controllers.forEach((c) => c.hostDisconnected?.()),
  };
  return h;
}

function hold(): Holdable & { log: string[] } {
  const log: string[] = [];
  return { log, pause: () => log.push('pause'), resume: () => log.push('resume') };
}

describe('RunPhases', () => {
  it('runs, pauses through "pausing" until the run holds, resumes, and ends done', () => {
    const h = host();
    const held = hold();
    const runs = new RunPhases(h, held, { confirmPause: true });
    expect([runs.phase, runs.busy]).toEqual(['idle', false]);
    const signal = runs.start();
    expect([runs.phase, runs.busy, runs.isCurrent(signal)]).toEqual(['running', true, true]);
    runs.pause();
    expect(runs.phase).toBe('pausing');
    runs.held();
    expect(runs.phase).toBe('paused');
    runs.resume();
    expect(runs.phase).toBe('running');
    expect(held.log).toEqual(['resume', 'pause', 'resume']);
    runs.finish(signal, 'unused: the run was not cancelled');
    expect([runs.phase, runs.message]).toEqual(['done', '']);
    expect(h.updates()).toBeGreaterThanOrEqual(5);
  });

  it('without confirmPause, Pause holds at once; held() outside a pause changes nothing', () => {
    const runs = new RunPhases(host(), hold());
    runs.start();
    runs.held();
    expect(runs.phase).toBe('running');
    runs.pause();
    expect(runs.phase).toBe('paused');
  });

  it('one Pause / Resume button: pauses a running run, resumes a pausing or paused one, and is labelled for what it does', () => {
    const held = hold();
    const runs = new RunPhases(host(), held, { confirmPause: true });
    expect(runs.pauseLabel).toBe('Pause');
    runs.togglePause();
    expect([runs.phase, runs.pauseLabel]).toEqual(['idle', 'Pause']);
    runs.start();
    runs.togglePause();
    expect([runs.phase, runs.pauseLabel]).toEqual(['pausing', 'Resume']);
    // A second press before the step under way has ended undoes the first.
    runs.togglePause();
    expect([runs.phase, runs.pauseLabel]).toEqual(['running', 'Pause']);
    runs.togglePause();
    runs.held();
    expect([runs.phase, runs.pauseLabel]).toEqual(['paused', 'Resume']);
    runs.togglePause();
    expect([runs.phase, runs.pauseLabel]).toEqual(['running', 'Pause']);
    expect(held.log).toEqual(['resume', 'pause', 'resume', 'pause', 'resume']);
  });

  it('a plain cancel aborts the signal and ends "cancelled" with the run\'s own message once it stops', () => {
    const runs = new RunPhases(host(), hold());
    const signal = runs.start();
    runs.cancel();
    expect(signal.aborted).toBe(true);
    // Still busy until the run has stopped (its step under way finishes).
    expect(runs.phase).toBe('running');
    runs.finish(signal, 'Cancelled after 3 of 10 steps.');
    expect([runs.phase, runs.message]).toEqual(['cancelled', 'Cancelled after 3 of 10 steps.']);
  });

  it('a cancel with a reason drops the run at once: what it finishes later does not count', () => {
    const held = hold();
    const runs = new RunPhases(host(), held);
    const signal = runs.start();
    runs.pause();
    runs.cancel('The run was cancelled: the input changed.');
    expect([runs.phase, runs.message, signal.aborted, runs.isCurrent(signal)]).toEqual(['cancelled', 'The run was cancelled: the input changed.', true, false]);
    // A paused run is released so that it can see its abort.
    expect(held.log.at(-1)).toBe('resume');
    runs.finish(signal, 'late');
    expect(runs.message).toBe('The run was cancelled: the input changed.');
    expect(runs.fail(signal)).toBe(false);
  });

  it('a new run supersedes the old one; a failure of the current run goes back to idle', () => {
    const runs = new RunPhases(host(), hold());
    const first = runs.start();
    const second = runs.start();
    expect([first.aborted, runs.isCurrent(first), runs.isCurrent(second)]).toEqual([true, false, true]);
    expect(runs.fail(first)).toBe(false);
    expect(runs.fail(second)).toBe(true);
    expect(runs.phase).toBe('idle');
    // Pause, resume and cancel do nothing without a run.
    runs.pause();
    runs.resume();
    runs.cancel('nothing to cancel');
    expect([runs.phase, runs.message]).toEqual(['idle', '']);
  });

  it('the host leaving the page cancels the run under way', () => {
    const h = host();
    const runs = new RunPhases(h, hold());
    const signal = runs.start();
    h.disconnect();
    expect([signal.aborted, runs.phase, runs.message]).toEqual([true, 'cancelled', 'The run was cancelled: the figure left the page.']);
  });
});
