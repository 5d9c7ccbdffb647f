import { Cost } from "./_components/cost";
import { Features } from "./_components/features";
import { FinalCallToAction } from "./_components/final-call-to-action";
import { Hero } from "./_components/hero";
import { Channels, HowItWorks } from "./_components/how-it-works";
import { Runners } from "./_components/runners-section";

// The landing page is static: no data, no client code. Illustrations are drawn in HTML so they
// stay sharp, accessible and in step with the real UI components.

export default function LandingPage() {
  return (
    <>
      <Hero />
      <Channels />
      <HowItWorks />
      <Features />
      <Runners />
      <Cost />
      <FinalCallToAction />
    </>
  );
}
