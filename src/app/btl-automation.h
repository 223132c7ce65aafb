/* btl-automation.h — the hidden --train, --screenshot and --bench-frames options. */
#pragma once

#include "btl-window.h"

G_BEGIN_DECLS

typedef struct _BtlAutomation BtlAutomation;

BtlAutomation *btl_automation_new    (gboolean       train,
                                      const char    *screenshot_path,
                                      double         screenshot_delay_s,
                                      double         bench_seconds,
                                      gboolean       bench_idle);
void           btl_automation_attach (BtlAutomation *self,
                                      BtlWindow     *window);
void           btl_automation_free   (BtlAutomation *self);

/* Renders widget as it is on screen to a PNG (the window's own renderer). */
gboolean       btl_widget_save_png   (GtkWidget     *widget,
                                      const char    *path,
                                      GError       **error);

G_END_DECLS
