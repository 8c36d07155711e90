/* How fork cost grows with the parent's dirty memory: forkt N SETPGID MIB forks N children
 * that wait at a pipe barrier, from a parent that first dirties MIB MiB of heap. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <time.h>
#include <sys/wait.h>
#include <string.h>
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec/1e9;}
int main(int argc,char**argv){int n=atoi(argv[1]);int pg=atoi(argv[2]);int mb=atoi(argv[3]);
 char*junk=malloc((size_t)mb<<20); memset(junk,1,(size_t)mb<<20);
 int bar[2];pipe(bar);pid_t group=0;double t0=now();
 for(int i=0;i<n;i++){pid_t p=fork();if(p==0){close(bar[1]);if(pg)setpgid(0,group);char c;read(bar[0],&c,1);_exit(0);}
  if(pg){if(!group)group=p;setpgid(p,group);} if(i==999) printf("first 1000: %.3f s\n",now()-t0);}
 printf("fork loop %d: %.3f s\n",n,now()-t0);close(bar[1]);while(wait(NULL)>0);printf("total %.3f s\n",now()-t0);}
