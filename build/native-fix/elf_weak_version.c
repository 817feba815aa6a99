/* Vivify: marks one needed symbol version of an ELF64 little-endian shared library weak.
 *
 * usage: elf_weak_version FILE VERSION
 * Walks .gnu.version_r (Elf64_Verneed / Elf64_Vernaux) and sets VER_FLG_WEAK on every entry named
 * VERSION, so that the dynamic loader does not refuse the library when no loaded object defines
 * that version. Exit 0 when at least one entry was marked (or already weak), 1 otherwise. */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned char *slurp(const char *path, long *size) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    *size = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc((size_t)*size);
    if (buf && fread(buf, 1, (size_t)*size, f) != (size_t)*size) { free(buf); buf = NULL; }
    fclose(f);
    return buf;
}

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: %s FILE VERSION\n", argv[0]); return 2; }
    long size = 0;
    unsigned char *buf = slurp(argv[1], &size);
    if (!buf || size < (long)sizeof(Elf64_Ehdr)) { fprintf(stderr, "%s: cannot read\n", argv[1]); return 2; }
    Elf64_Ehdr *eh = (Elf64_Ehdr *)buf;
    if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64) {
        fprintf(stderr, "%s: not an ELF64 file\n", argv[1]); return 2;
    }
    if (eh->e_shoff + (Elf64_Off)eh->e_shnum * sizeof(Elf64_Shdr) > (Elf64_Off)size) {
        fprintf(stderr, "%s: truncated section table\n", argv[1]); return 2;
    }
    Elf64_Shdr *sh = (Elf64_Shdr *)(buf + eh->e_shoff);
    int marked = 0;
    for (int i = 0; i < eh->e_shnum; i++) {
        if (sh[i].sh_type != SHT_GNU_verneed) continue;
        const char *strtab = (const char *)(buf + sh[sh[i].sh_link].sh_offset);
        Elf64_Off off = sh[i].sh_offset;
        for (;;) {
            Elf64_Verneed *vn = (Elf64_Verneed *)(buf + off);
            Elf64_Off aoff = off + vn->vn_aux;
            for (int a = 0; a < vn->vn_cnt; a++) {
                Elf64_Vernaux *va = (Elf64_Vernaux *)(buf + aoff);
                if (strcmp(strtab + va->vna_name, argv[2]) == 0) { va->vna_flags |= VER_FLG_WEAK; marked++; }
                if (va->vna_next == 0) break;
                aoff += va->vna_next;
            }
            if (vn->vn_next == 0) break;
            off += vn->vn_next;
        }
    }
    if (!marked) { fprintf(stderr, "%s: no needed version %s\n", argv[1], argv[2]); free(buf); return 1; }
    FILE *f = fopen(argv[1], "r+b");
    if (!f || fwrite(buf, 1, (size_t)size, f) != (size_t)size) { fprintf(stderr, "%s: cannot write\n", argv[1]); return 2; }
    fclose(f);
    free(buf);
    return 0;
}
