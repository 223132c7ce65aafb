#!/usr/bin/python3
"""Out-of-process test: drive the real bottleneck window through AT-SPI.

Run by run-atspi.sh inside Xvfb + dbus-run-session with the app already
started. Presses Train, waits for training steps in the status line, pauses,
checks the step count holds, resumes, stops; then closes the window in the
middle of a run and answers its question (Cancel, then Discard: the app
exits cleanly) — all through the accessibility tree, as assistive technology (or a person with a screen reader) would.
Exit status 0 on success; each failure prints one line saying what was wrong.
"""
import re
import sys
import time

import pyatspi

TIMEOUT = 30.0


def fail(message):
    print("FAIL: " + message, flush=True)
    sys.exit(1)


def wait_for(predicate, what, timeout=TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = predicate()
        except Exception:  # the tree changes under us while the app starts
            value = None
        if value:
            return value
        time.sleep(0.1)
    fail("timed out waiting for " + what)


def find_app():
    desktop = pyatspi.Registry.getDesktop(0)
    for app in desktop:
        if app is not None and app.name and app.name.lower().startswith("bottleneck"):
            return app
    return None


BUTTON_ROLES = ("push button", "toggle button")


def find(app, roles, name):
    if isinstance(roles, str):
        roles = (roles,)
    return pyatspi.findDescendant(
        app, lambda a: a is not None and a.getRoleName() in roles and a.name == name)


def find_status(app):
    """The status line is the first label beside the test PSNR (the
    progress bar beside them shows only while training)."""
    psnr = pyatspi.findDescendant(
        app, lambda a: a is not None and a.getRoleName() == "label"
        and a.name.startswith("Test PSNR"))
    if psnr is None:
        return None
    parent = psnr.parent
    for child in parent:
        if child.getRoleName() == "label":
            return child
    return None


def click_until(button, predicate, what):
    """GTK 4.8 does not update the exported sensitivity of action-bound
    buttons, so instead of polling a state we act and check the effect."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        click(button)
        end = time.monotonic() + 1.0
        while time.monotonic() < end:
            if predicate():
                return
            time.sleep(0.05)
    fail("timed out waiting for " + what)


def text_of(acc):
    t = acc.queryText()
    return t.getText(0, t.characterCount)


def click(button):
    """Clicks through the Action interface; GTK 4.8 refuses that for buttons
    whose sensitivity changed after start-up (their exported state is stale),
    so fall back to a synthetic mouse click at the button's centre. There is
    no window manager under Xvfb: the window sits at (0, 0)."""
    try:
        if button.queryAction().doAction(0):
            return
    except Exception:
        pass
    ext = button.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
    pyatspi.Registry.generateMouseEvent(ext.x + ext.width // 2, ext.y + ext.height // 2,
                                        pyatspi.MOUSE_B1C)


def step_in(status):
    m = re.search(r"step (\d+)", status)
    return int(m.group(1)) if m else None


def main():
    app = wait_for(find_app, "the application on the accessibility bus")
    print("found application %r" % app.name, flush=True)

    # Walking the tree costs a D-Bus round trip per node: find everything once.
    train = wait_for(lambda: find(app, BUTTON_ROLES, "Train"), "the Train button")
    pause = wait_for(lambda: find(app, BUTTON_ROLES, "Pause"), "the Pause button")
    stop = wait_for(lambda: find(app, BUTTON_ROLES, "Stop"), "the Stop button")
    epochs = wait_for(lambda: find(app, "spin button", "Epochs"), "the Epochs field")
    close = wait_for(lambda: find(app, "push button", "Close"), "the window's Close button")
    status = wait_for(lambda: find_status(app), "the status line")
    wait_for(lambda: "ready to train" in text_of(status).lower(), "the data set to load")
    print("data set loaded: " + text_of(status), flush=True)

    click(train)
    wait_for(lambda: step_in(text_of(status)), "training steps in the status line")
    print("training: " + text_of(status), flush=True)

    click_until(pause, lambda: "Paused" in text_of(status), "the status line to say Paused")
    time.sleep(0.5)
    held = step_in(text_of(status))
    time.sleep(0.7)
    if step_in(text_of(status)) != held:
        fail("steps went on while paused: %s → %s" % (held, step_in(text_of(status))))
    print("paused at step %d" % held, flush=True)

    # The same button now offers to resume, and says so.
    if pause.name != "Resume":
        fail("the pause button is named %r while paused, not 'Resume'" % pause.name)
    click(pause)
    wait_for(lambda: (step_in(text_of(status)) or 0) > held and "Paused" not in text_of(status),
             "training to resume")
    print("resumed: " + text_of(status), flush=True)

    click(stop)
    wait_for(lambda: text_of(status).startswith("Stopped"), "training to stop")
    print("stopped: " + text_of(status), flush=True)

    # Train again works after a stop.
    click(train)
    wait_for(lambda: text_of(status).startswith("Epoch"), "a second run to start")
    click(stop)
    wait_for(lambda: text_of(status).startswith("Stopped"), "the second run to stop")
    print("second run stopped: " + text_of(status), flush=True)

    # Closing the window mid-training asks about the unsaved run: Cancel
    # keeps it training; Discard closes the window, the training thread
    # stops and the application exits (run-atspi.sh checks its status).
    # A long run, so that it still trains while the question is answered.
    epochs.queryValue().currentValue = 100
    wait_for(lambda: epochs.queryValue().currentValue == 100, "100 epochs")
    click(train)
    wait_for(lambda: text_of(status).startswith("Epoch"), "a third run to start")
    question = ask_on_close(app, close)
    click(find(question, "push button", "Cancel"))
    wait_for(lambda: find_question(app) is None, "the question to go")
    held = step_in(text_of(status)) or 0
    wait_for(lambda: (step_in(text_of(status)) or 0) > held, "training to go on after Cancel")
    print("Cancel kept the run: " + text_of(status), flush=True)
    question = ask_on_close(app, close)
    if not text_of(status).startswith("Epoch"):
        fail("the run is not training any more: " + text_of(status))
    click(find(question, "push button", "Discard"))
    wait_for(lambda: find_app() is None, "the application to exit after Discard")
    print("closed mid-training", flush=True)
    print("PASS", flush=True)


QUESTION = "Discard the Trained Model?"


def find_question(app):
    """The question is a window of its own: one of the application's
    children (no walk through the whole tree, a round trip per node)."""
    for window in app:
        if window is not None and window.getRoleName() in ("dialog", "alert") and window.name == QUESTION:
            return window
    return None


def ask_on_close(app, close):
    """Closes the window: it asks first, naming what would be lost."""
    click(close)
    question = wait_for(lambda: find_question(app), "the question on close")
    print("asked: " + question.name, flush=True)
    texts = [c.name for c in pyatspi.findAllDescendants(question, lambda a: a is not None and a.getRoleName() == "label")]
    if not any("Closing the window discards it" in t for t in texts):
        fail("the question does not say what closing does: %r" % texts)
    for name in ("Cancel", "Discard", "Save…"):
        if find(question, "push button", name) is None:
            fail("the question has no %r button" % name)
    return question


if __name__ == "__main__":
    main()
