/* btl-frame-budget.c — see btl-frame-budget.h. */
#include "config.h"

#include "btl-frame-budget.h"

#define CLAIM_KEY "btl-frame-budget-claimed"

/* A frame that does not come (the window closed, or is hidden) must not
 * hold a change back for long, nor its owner forever. */
#define DEFER_TIMEOUT_MS 100

gboolean
btl_frame_budget_claim (GtkWidget *widget)
{
  GdkFrameClock *clock;
  gint64 next, *claimed;

  g_return_val_if_fail (GTK_IS_WIDGET (widget), TRUE);

  clock = gtk_widget_get_frame_clock (widget);
  if (clock == NULL)
    return TRUE;
  /* Between frames the counter is the last painted frame's. */
  next = gdk_frame_clock_get_frame_counter (clock) + 1;
  claimed = g_object_get_data (G_OBJECT (clock), CLAIM_KEY);
  if (claimed == NULL)
    {
      claimed = g_new0 (gint64, 1);
      g_object_set_data_full (G_OBJECT (clock), CLAIM_KEY, claimed, g_free);
    }
  else if (*claimed == next)
    return FALSE;
  *claimed = next;
  return TRUE;
}

typedef struct
{
  GtkWidget          *widget;       /* weak */
  GObject            *owner;
  GdkFrameClock      *clock;
  gulong              handler;
  guint               timeout_id;
  BtlFrameBudgetFunc  func;
} Deferred;

static void arm (Deferred *d);

static void
deferred_free (gpointer data)
{
  Deferred *d = data;

  g_clear_weak_pointer (&d->widget);
  g_clear_object (&d->owner);
  g_clear_object (&d->clock);
  g_free (d);
}

static gboolean
deferred_run (gpointer data)
{
  Deferred *d = data;

  /* Another change took the coming frame too: wait for the one after. */
  if (d->widget != NULL && gtk_widget_get_frame_clock (d->widget) == d->clock
      && !btl_frame_budget_claim (d->widget))
    {
      arm (d);
      return G_SOURCE_REMOVE;
    }
  d->func (d->owner);
  deferred_free (d);
  return G_SOURCE_REMOVE;
}

static void
fire (Deferred *d)
{
  /* A window that closed meanwhile has disposed its frame clock, and with it
   * the handler ("no handler with id" otherwise). */
  if (d->handler != 0 && g_signal_handler_is_connected (d->clock, d->handler))
    g_signal_handler_disconnect (d->clock, d->handler);
  d->handler = 0;
  g_clear_handle_id (&d->timeout_id, g_source_remove);
  /* Below redraw priority, as the changes it stands for. */
  g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, deferred_run, d, NULL);
}

static void
after_paint (GdkFrameClock *clock,
             Deferred      *d)
{
  fire (d);
}

static gboolean
timeout_cb (gpointer data)
{
  Deferred *d = data;

  d->timeout_id = 0;
  fire (d);
  return G_SOURCE_REMOVE;
}

static void
arm (Deferred *d)
{
  d->handler = g_signal_connect (d->clock, "after-paint", G_CALLBACK (after_paint), d);
  d->timeout_id = g_timeout_add (DEFER_TIMEOUT_MS, timeout_cb, d);
  /* Make sure that frame comes. */
  gdk_frame_clock_request_phase (d->clock, GDK_FRAME_CLOCK_PHASE_PAINT);
}

void
btl_frame_budget_defer (GtkWidget          *widget,
                        GObject            *owner,
                        BtlFrameBudgetFunc  func)
{
  GdkFrameClock *clock;
  Deferred *d;

  g_return_if_fail (GTK_IS_WIDGET (widget));
  g_return_if_fail (G_IS_OBJECT (owner));
  g_return_if_fail (func != NULL);

  clock = gtk_widget_get_frame_clock (widget);
  if (clock == NULL)
    {
      func (owner);
      return;
    }
  d = g_new0 (Deferred, 1);
  g_set_weak_pointer (&d->widget, widget);
  d->owner = g_object_ref (owner);
  d->clock = g_object_ref (clock);
  d->func = func;
  arm (d);
}
