/* btl-application.h — BtlApplication: actions, accelerators, settings. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define BTL_TYPE_APPLICATION (btl_application_get_type ())

G_DECLARE_FINAL_TYPE (BtlApplication, btl_application, BTL, APPLICATION, GtkApplication)

BtlApplication *btl_application_new          (void);
/* NULL when the schema is not installed (then nothing is remembered). */
GSettings      *btl_application_get_settings (BtlApplication *self);

G_END_DECLS
