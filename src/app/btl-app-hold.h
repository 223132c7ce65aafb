/* btl-app-hold.h — keeping the process alive for a background thread.
 *
 * A thread that may be inside BLAS must not see the process exit under it
 * (OpenBLAS frees its buffers at exit). It holds the default application,
 * if there is one, so g_application_run() does not return meanwhile; the
 * same application is released later on the main thread, even if the
 * default has changed since (tests make one application per case). Inline,
 * so pages compiled into tests without the application still link.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Returns what to pass to btl_app_release(): a reference, or NULL. */
static inline GApplication *
btl_app_hold (void)
{
  GApplication *app = g_application_get_default ();

  if (app == NULL)
    return NULL;
  g_application_hold (app);
  return g_object_ref (app);
}

/* Main thread; NULL is fine. */
static inline void
btl_app_release (GApplication *held)
{
  if (held == NULL)
    return;
  g_application_release (held);
  g_object_unref (held);
}

G_END_DECLS
