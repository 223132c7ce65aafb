/* btl-a11y.c — accessible names GTK 4.8 gets wrong.
 *
 * GTK 4.8 names a button whose label has a mnemonic ("_Log") from both its
 * label property, underscore included, and the mnemonic label inside it:
 * screen readers hear "underscore Log Log". Dropping the property leaves
 * the inner label's "Log". A check button has no such inner relation: it
 * gets its label without the underscore instead.
 */
#include "config.h"

#include <string.h>

#include "btl-a11y.h"

/* The focus of a GtkDropDown is a toggle button inside it that GTK 4.8
 * leaves unnamed, read as "GtkToggleButton". It gets the drop-down's
 * label (the sidebar's "Kind") or, without one, the drop-down itself (a
 * named one: GTK reads a related widget's label property, not the labels
 * that name that widget in turn). */
static void
name_drop_down_button (GtkWidget *drop_down)
{
  GtkWidget *toggle = NULL;
  GList *labels;

  for (GtkWidget *w = gtk_widget_get_first_child (drop_down); w != NULL && toggle == NULL;
       w = gtk_widget_get_first_child (w))
    if (GTK_IS_TOGGLE_BUTTON (w))
      toggle = w;
  if (toggle == NULL)
    return;

  labels = gtk_widget_list_mnemonic_labels (drop_down);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (toggle), GTK_ACCESSIBLE_RELATION_LABELLED_BY,
                                  labels != NULL ? labels->data : drop_down, NULL, -1);
  g_list_free (labels);
}

/* "_Save .btlz…" → "Save .btlz…"; "__" stands for one underscore. */
static char *
strip_mnemonic (const char *label)
{
  GString *out = g_string_sized_new (strlen (label));

  for (const char *p = label; *p != '\0'; p++)
    {
      if (*p == '_')
        {
          if (p[1] != '_')
            continue;
          p++;
        }
      g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}

static void
fix_name (GtkWidget *widget)
{
  if (GTK_IS_BUTTON (widget))
    {
      GtkButton *button = GTK_BUTTON (widget);

      if (gtk_button_get_use_underline (button) && gtk_button_get_label (button) != NULL)
        gtk_accessible_reset_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL);
    }
  else if (GTK_IS_CHECK_BUTTON (widget))
    {
      GtkCheckButton *check = GTK_CHECK_BUTTON (widget);
      const char *label = gtk_check_button_get_label (check);

      if (gtk_check_button_get_use_underline (check) && label != NULL)
        {
          g_autofree char *plain = strip_mnemonic (label);

          gtk_accessible_update_property (GTK_ACCESSIBLE (widget),
                                          GTK_ACCESSIBLE_PROPERTY_LABEL, plain, -1);
        }
    }
}

/* GTK 4.8 names every notebook tab "Tab" (the Latent page's Interpolation
 * and Traversal): the widget around each tab label gets that label. */
static void
name_notebook_tabs (GtkNotebook *notebook)
{
  int n = gtk_notebook_get_n_pages (notebook);

  for (int i = 0; i < n; i++)
    {
      GtkWidget *label = gtk_notebook_get_tab_label (notebook, gtk_notebook_get_nth_page (notebook, i));
      GtkWidget *tab = label != NULL ? gtk_widget_get_parent (label) : NULL;

      if (tab != NULL && GTK_IS_LABEL (label))
        gtk_accessible_update_property (GTK_ACCESSIBLE (tab), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                        gtk_label_get_text (GTK_LABEL (label)), -1);
    }
}

static void
on_label_changed (GtkWidget  *widget,
                  GParamSpec *pspec,
                  gpointer    user_data)
{
  fix_name (widget);
}

void
btl_a11y_fix_mnemonic_names (GtkWidget *root)
{
  g_return_if_fail (GTK_IS_WIDGET (root));

  if (GTK_IS_BUTTON (root) || GTK_IS_CHECK_BUTTON (root))
    {
      fix_name (root);
      /* After GTK's own handler, which sets the property again. */
      g_signal_connect_after (root, "notify::label", G_CALLBACK (on_label_changed), NULL);
      g_signal_connect_after (root, "notify::use-underline", G_CALLBACK (on_label_changed), NULL);
    }
  else if (GTK_IS_DROP_DOWN (root))
    name_drop_down_button (root);
  else if (GTK_IS_NOTEBOOK (root))
    name_notebook_tabs (GTK_NOTEBOOK (root));
  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    btl_a11y_fix_mnemonic_names (child);
}
