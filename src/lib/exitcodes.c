/* exitcodes.c - see exitcodes.h */
#include "exitcodes.h"

const char *exit_meaning(int code)
{
	switch (code) {
	case SOSR_EXIT_OK: return "ok";
	case SOSR_EXIT_FINDINGS: return "findings";
	case SOSR_EXIT_USAGE: return "usage or configuration error";
	case SOSR_EXIT_AUTH: return "credentials rejected";
	case SOSR_EXIT_NETWORK: return "service unreachable";
	case SOSR_EXIT_API: return "API error";
	case SOSR_EXIT_INCOMPLETE: return "incomplete fetch";
	case SOSR_EXIT_DATA: return "invalid data";
	case SOSR_EXIT_ALERT: return "alert not delivered";
	case SOSR_EXIT_IO: return "file I/O error";
	case SOSR_EXIT_INTERNAL: return "internal error";
	case SOSR_EXIT_SUSPECT: return "suspect drop of a population";
	case SOSR_EXIT_LOCKER: return "evidence not pushed";
	case 128 + 13: return "killed by SIGPIPE";
	default: return code > 128 ? "killed by a signal" : "unknown exit status";
	}
}
