/* embed.c — vantage as a library: CAA checks of the names given, corroborated
 * across the perspectives of a config file (BR 3.2.2.8 / 3.2.2.9).
 * usage: embed CONFIG CA-DOMAIN NAME...     build: cc embed.c $(pkg-config --cflags --libs vantage) */
#include <stdio.h>
#include <vantage.h>

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: %s CONFIG CA-DOMAIN NAME...\n", argv[0]);
		return 2;
	}
	const char *ca[] = {argv[2]};
	struct vtg_options opt = {
		.config_path = argv[1], .kind = VTG_CHECK_CAA, .ca_domains = ca, .n_ca_domains = 1,
		.mode = VTG_MODE_ENFORCE, .min_remotes = -1,
	};
	char err[512];
	struct vtg_engine *e;
	if (vtg_engine_new(&e, &opt, err, sizeof(err)) != 0) {
		fprintf(stderr, "vantage %s: %s\n", vtg_version(), err);
		return 2;
	}
	int next = 3, denied = 0;
	while (next < argc || vtg_pending(e) > 0) {
		while (next < argc && vtg_submit(e, argv[next], NULL, argv[next]) == 0)
			next++;
		struct vtg_completion c[16];
		int n = vtg_poll(e, c, 16, 1000);
		if (n < 0) {
			fprintf(stderr, "poll: %s\n", vtg_strerror(n));
			break;
		}
		for (int i = 0; i < n; i++) {
			printf("%s %s %s quorum=%u/%u corroborated=%d\n", (const char *)c[i].user,
			       c[i].positive ? "permit" : "deny", c[i].reason, c[i].quorum_k,
			       c[i].quorum_n, c[i].corroborated);
			denied += !c[i].positive;
		}
	}
	vtg_engine_free(e);
	return denied ? 1 : 0;
}
