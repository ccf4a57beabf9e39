"use client";

import { useState } from "react";
import { signOut } from "next-auth/react";
import { LogOut } from "lucide-react";
import { toast } from "sonner";
import { Button } from "~/components/ui/button";

export function SignOutButton() {
  const [pending, setPending] = useState(false);
  return (
    <Button
      variant="outline"
      size="sm"
      disabled={pending}
      onClick={() => {
        setPending(true);
        signOut({ callbackUrl: "/login" }).catch(() => {
          setPending(false);
          toast.error("Could not sign out. Try again.");
        });
      }}
    >
      <LogOut aria-hidden="true" />
      Sign out
    </Button>
  );
}
