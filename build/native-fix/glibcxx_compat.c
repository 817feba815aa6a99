/* Vivify: provides std::ios_base_library_init() for libstdc++ older than GCC 13.
 *
 * GCC 13 emits a reference to this function from every object that includes <iostream>, so that
 * the iostream objects are initialised before use. libstdc++ 12 (Debian 12) initialises them
 * itself from its own static constructor and has no such function, so an empty definition is
 * correct there. Exported under the version GLIBCXX_3.4.32 that the reference asks for. */
void _ZSt21ios_base_library_initv(void) {}
