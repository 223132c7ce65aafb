/* ui-test-util.h — main-loop helpers shared by the in-process GTK tests. */
#pragma once

#include <glib.h>

static inline gboolean
ui_test_flag_true (gpointer p)
{
  *(gboolean *) p = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates the main loop until cond (data) or ms have passed; FALSE on
 * timeout. */
static inline gboolean
spin_until (gboolean (*cond) (gpointer), gpointer data, guint ms)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add (ms, ui_test_flag_true, &timed_out);

  while (!cond (data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  return !timed_out;
}

/* Iterates the main loop for ms. */
static inline void
spin_for (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, ui_test_flag_true, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

/* Whether widget has a scroll controller in the capture phase (btl-wheel.c:
 * the wheel scrolls the list before a value control takes it). */
static inline gboolean
has_capture_scroll (GtkWidget *widget)
{
  GListModel *controllers = gtk_widget_observe_controllers (widget);
  gboolean found = FALSE;

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      GtkEventController *c = g_list_model_get_item (controllers, i);

      found |= GTK_IS_EVENT_CONTROLLER_SCROLL (c)
               && gtk_event_controller_get_propagation_phase (c) == GTK_PHASE_CAPTURE;
      g_object_unref (c);
    }
  g_object_unref (controllers);
  return found;
}
