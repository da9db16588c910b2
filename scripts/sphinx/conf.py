# SPDX-License-Identifier: GPL-2.0
# Sphinx configuration for 'make docs-check' (scripts/docs-check.sh): the
# kernel's own extensions from the unpacked linux-source tree, so
# Documentation/*.rst renders as it would in Documentation/ of the kernel.
#
# Environment (set by docs-check.sh):
#   GOALLOC_KSRC  the unpacked kernel source (Documentation/sphinx/,
#                 scripts/kernel-doc, Documentation/conf.py)
#   GOALLOC_TOP   goalloc's top directory: kernel-doc directive paths
#                 (include/goalloc.h, mod/malloc.c) are relative to it
import ast
import os
import sys

ksrc = os.environ['GOALLOC_KSRC']
sys.path.insert(0, os.path.join(ksrc, 'Documentation', 'sphinx'))

project = 'goalloc'
copyright = 'The goalloc authors'
root_doc = 'index'
# The extensions of the kernel's Documentation/conf.py that apply to a
# module's documentation: not kfigure (it wants graphviz, and there is
# nothing to draw), nor those for the ABI, feature, MAINTAINERS and
# translation pages, which read files of the kernel tree.
extensions = ['kerneldoc', 'rstFlatTable', 'kernel_include',
              'sphinx.ext.ifconfig', 'automarkup', 'sphinx.ext.autosectionlabel']
autosectionlabel_maxdepth = 2
kerneldoc_bin = os.path.join(ksrc, 'scripts', 'kernel-doc')
kerneldoc_srctree = os.environ['GOALLOC_TOP']
highlight_language = 'none'
html_theme = 'alabaster'
exclude_patterns = ['_build']


def kernel_c_id_attributes():
    """The kernel's c_id_attributes list (__malloc, __must_check, ...), read
    from its Documentation/conf.py, so the C domain parses prototypes as it
    does there."""
    with open(os.path.join(ksrc, 'Documentation', 'conf.py')) as f:
        tree = ast.parse(f.read())
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == 'c_id_attributes' for t in node.targets):
            return ast.literal_eval(node.value)
    return []


c_id_attributes = kernel_c_id_attributes()
