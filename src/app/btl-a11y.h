/* btl-a11y.h — accessible names GTK 4.8 gets wrong. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Every button and check button below root (root included) whose label has
 * a mnemonic gets its plain label as accessible name, now and whenever the
 * label changes; the button inside every drop-down (what has the focus) is
 * named like the drop-down, and notebook tabs like their labels. */
void btl_a11y_fix_mnemonic_names (GtkWidget *root);

G_END_DECLS
