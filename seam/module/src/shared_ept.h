/* The shared EPT handler (shared_ept.c). */
#ifndef TDX_MODULE_SHARED_EPT_H
#define TDX_MODULE_SHARED_EPT_H

struct tdx_module;
struct td;

void shared_ept_register(struct tdx_module *mod);
/** shared_ept_replay() - give a TD's new engine every shared range (TD locked). */
int shared_ept_replay(struct td *td);

#endif /* TDX_MODULE_SHARED_EPT_H */
